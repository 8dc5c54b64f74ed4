//! `piaudit.yaml` declarations: parse, then run every query the evaluator
//! makes of them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::decl::Declarations;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Declarations::parse("piaudit.yaml", text) {
        let _ = d.check_categories("piaudit.yaml", |id| id.starts_with("pi."));
        let _ = d.override_for("user", "phone", "db/schema.sql#user.phone");
        let _ = d.datasets_for("db/schema.sql#user", "user");
        let _ = d.consents_for("db/schema.sql#user", "user");
    }
});
