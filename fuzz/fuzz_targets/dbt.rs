//! dbt projects: the Jinja renderer, `schema.yml` documentation, Markdown
//! `{% docs %}` blocks and seeds, read together by `dbt::extract_all`. The
//! first byte picks which file of a small fixed project the input replaces;
//! every diagnostic must name its own file at a line inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::dbt;

const PROJECT: &str = "name: shop\nvars:\n  start: '2024-01-01'\n";
const MODEL: &str = "{{ config(materialized='table') }}\nselect m.id, m.phone, o.amount\nfrom {{ ref('stg_members') }} m\njoin {{ source('app', 'orders') }} o on o.member_id = m.id\n{% if is_incremental() %}where o.ts > '{{ var(\"start\") }}'{% endif %}\n";
const STAGING: &str = "select id, tel as phone from {{ source('app', 'members') }}\n";
const SCHEMA: &str = "version: 2\nsources:\n  - name: app\n    tables:\n      - name: members\n        columns:\n          - name: tel\n            description: '{{ doc(\"tel\") }}'\n      - name: orders\nmodels:\n  - name: customers\n    description: 客户汇总\n";
const DOCS: &str = "{% docs tel %}\n会员手机号\n{% enddocs %}\n";
const SEED: &str = "code,name\n11,北京\n";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut files = vec![
        ("dbt_project.yml", PROJECT),
        ("models/marts/customers.sql", MODEL),
        ("models/staging/stg_members.sql", STAGING),
        ("models/schema.yml", SCHEMA),
        ("models/docs.md", DOCS),
        ("seeds/regions.csv", SEED),
    ];
    let slot = usize::from(selector) % files.len();
    files[slot].1 = text;
    let out = dbt::extract_all(files.iter().copied(), |_| None);
    for (file, text) in &files {
        let Some(facts) = out.get(*file) else {
            continue;
        };
        let last = u32::try_from(text.matches('\n').count() + 1).unwrap_or(u32::MAX);
        for d in &facts.diagnostics {
            assert_eq!(d.file, *file, "diagnostic names another file");
            assert!(
                d.line >= 1 && d.line <= last,
                "diagnostic at line {} of {last}",
                d.line
            );
        }
    }
});
