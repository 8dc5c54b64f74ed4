//! File decoding (BOM, UTF-16, GBK/GB18030 guessing, binary refusal).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = piaudit::discover::decode(data);
});
