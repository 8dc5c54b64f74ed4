//! Operator audit columns by code evidence: whether `create_user`,
//! `create_by`, `creator`… hold a staff user's **id** (a key, not PI) or a
//! staff user's **login or display name** (`account.username`), read from
//! what the code writes into the property ([`crate::extract::audit_fill`]):
//! `setCreateUser(ShiroUtil.getUserId())` says id,
//! `strictInsertFill(meta, "createBy", String.class, getUsername())` says
//! name. Most systems fill every audit column the same way (a base entity,
//! a fill handler), so the writes are counted per property over the whole
//! codebase and the majority decides; a tie, or no write at all, decides
//! nothing and the column keeps its default reading.

use super::context::ContextCues;
use crate::extract::audit_fill::FillValue;
use crate::extract::name_key;
use crate::extract::FileFacts;
use std::collections::BTreeMap;

/// One write, for `explain`.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    expr: String,
    file: String,
    line: u32,
}

/// The writes into one property: how many read as an id, a login name and
/// a display name, and the first of each (files in path order).
#[derive(Debug, Clone, Default, PartialEq)]
struct Tally {
    counts: [u32; 3],
    first: [Option<Seen>; 3],
}

/// The slot of a value in a [`Tally`].
fn slot(v: FillValue) -> usize {
    match v {
        FillValue::Id => 0,
        FillValue::LoginName => 1,
        FillValue::DisplayName => 2,
    }
}

/// What each slot holds, for `explain` (English, Chinese).
const WHAT: [(FillValue, &str, &str); 3] = [
    (FillValue::Id, "a user id", "用户 id"),
    (FillValue::LoginName, "a login name", "登录名"),
    (FillValue::DisplayName, "a user's name", "用户姓名"),
];

/// The project's convention for an operator column.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorVerdict {
    /// What the column holds.
    pub holds: FillValue,
    /// The evidence, for `explain` (English and Chinese).
    pub detail: String,
}

/// Writes into operator audit properties, by property (lower case, no
/// separators: `createBy` and `create_by` alike).
#[derive(Debug, Clone, Default)]
pub struct OperatorFills {
    by_property: BTreeMap<String, Tally>,
}

impl OperatorFills {
    /// Counts the writes of `files` into properties that are operator
    /// audit columns by name (`operator_names`).
    pub fn tally(files: &[FileFacts], ctx: &ContextCues) -> Self {
        let mut by_property: BTreeMap<String, Tally> = BTreeMap::new();
        for f in files {
            for w in &f.audit_fills {
                if !ctx.operator_column(&w.property) {
                    continue;
                }
                let t = by_property.entry(name_key(&w.property)).or_default();
                let seen = || Seen {
                    expr: w.expr.clone(),
                    file: f.file.clone(),
                    line: w.line,
                };
                let i = slot(w.value);
                t.counts[i] += 1;
                t.first[i].get_or_insert_with(seen);
            }
        }
        OperatorFills { by_property }
    }

    /// What the code writes into `column`, when its writes agree by a
    /// majority; `None` without writes or on a tie.
    pub fn verdict(&self, column: &str) -> Option<OperatorVerdict> {
        let t = self.by_property.get(&name_key(column))?;
        let best = (0..3).max_by_key(|&i| (t.counts[i], std::cmp::Reverse(i)))?;
        let total: u32 = t.counts.iter().sum();
        if (0..3).any(|i| i != best && t.counts[i] == t.counts[best]) {
            return None;
        }
        let seen = t.first[best].as_ref()?;
        let (holds, what, zh) = WHAT[best];
        Some(OperatorVerdict {
            holds,
            detail: format!(
                "the code writes {what} into it: set from {} at {}:{} ({} of {} writes) / 代码写入{zh}",
                seen.expr,
                seen.file,
                seen.line,
                t.counts[best],
                total
            ),
        })
    }
}
