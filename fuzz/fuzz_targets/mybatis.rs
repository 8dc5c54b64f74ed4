//! MyBatis mapper XML: the element tree, dynamic SQL rendering
//! (`<if>`/`<foreach>`/`<include>`…), `${}`/`#{}` handling and the SQL
//! extraction of every rendered statement. The first byte picks the
//! dialect (or detection).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::mybatis;
use piaudit::extract::sql::SqlDialect;

#[path = "located.rs"]
mod located;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let dialect = SqlDialect::ALL.get(usize::from(selector) % (SqlDialect::ALL.len() + 1));
    let file = "UserMapper.xml";
    let _ = mybatis::is_mapper(text);
    let out = mybatis::extract(file, text, dialect.copied());
    located::assert_located(&out.facts, file, text);
});
