//! Seed-data sampling: read the column list and a bounded sample of literal
//! values from `INSERT … VALUES` rows without building an AST per row.
//!
//! Real dumps are mostly row data; an auditor needs which columns hold what
//! kind of values (validators), not every row. Samples stay inside the
//! process: they feed the value validators and are never written out except
//! masked.

use std::collections::HashMap;

/// Rows read per statement at most.
pub const MAX_ROWS: usize = 50;

/// Sampled values kept per field at most (assembly keeps no more).
pub const PER_FIELD: usize = 50;

/// Literal values of one INSERT statement, by column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsertSample {
    /// Target table as written, unquoted.
    pub table: String,
    /// Column names, when the statement lists them.
    pub columns: Vec<String>,
    /// Up to [`MAX_ROWS`] rows of values; `None` for NULL and non-literals.
    pub rows: Vec<Vec<Option<String>>>,
    /// Line of the statement (0 when unknown), for evidence citing a row.
    pub line: u32,
}

/// Counts a file's sampled values per column as its INSERT statements are
/// read and blanks those beyond [`PER_FIELD`], so a dump never holds more
/// values than assembly keeps. Values are counted per table and column as
/// written (per table, row length and position for rows without a column
/// list, which only map when the length matches the table): a field's first
/// [`PER_FIELD`] values across all files are among the first [`PER_FIELD`]
/// of each such stream, so the assembled samples are unchanged.
#[derive(Debug, Default)]
pub struct SampleBudget {
    /// (table, column, row length, position) → index into `counts`.
    slots: HashMap<(String, String, usize, usize), usize>,
    counts: Vec<usize>,
}

impl SampleBudget {
    /// Blanks the values of `sample` over the budget and drops the rows
    /// left without values; `false` when no row is left.
    pub fn admit(&mut self, sample: &mut InsertSample) -> bool {
        let InsertSample {
            table,
            columns,
            rows,
            ..
        } = sample;
        // Slots of this statement's columns, looked up once per column.
        let mut here: HashMap<(usize, usize), usize> = HashMap::new();
        for row in rows.iter_mut() {
            let len = row.len();
            for (i, value) in row.iter_mut().enumerate() {
                if value.is_none() {
                    continue;
                }
                let key = match columns.get(i) {
                    Some(_) => (usize::MAX, i),
                    None if columns.is_empty() => (len, i),
                    // More values than listed columns: never mapped.
                    None => {
                        *value = None;
                        continue;
                    }
                };
                let slot = *here.entry(key).or_insert_with(|| {
                    let owned = match columns.get(i) {
                        Some(c) => (table.clone(), c.clone(), 0, 0),
                        None => (table.clone(), String::new(), len, i),
                    };
                    let next = self.counts.len();
                    let slot = *self.slots.entry(owned).or_insert(next);
                    if slot == next {
                        self.counts.push(0);
                    }
                    slot
                });
                let n = &mut self.counts[slot];
                if *n >= PER_FIELD {
                    *value = None;
                } else {
                    *n += 1;
                }
            }
        }
        // A row left without values adds nothing.
        rows.retain(|r| r.iter().any(Option::is_some));
        !rows.is_empty()
    }
}

/// Reads an `INSERT [IGNORE] INTO t [(cols)] VALUES (…), (…)` statement.
/// Returns `None` when the text is not of that shape.
pub fn sample_insert(text: &str) -> Option<InsertSample> {
    let mut lx = Lexer {
        s: text.as_bytes(),
        src: text,
        i: 0,
    };
    let kw = lx.word()?.to_ascii_lowercase();
    if kw != "insert" && kw != "replace" {
        return None;
    }
    let mut word = lx.word()?;
    while matches!(
        word.to_ascii_lowercase().as_str(),
        "low_priority" | "delayed" | "high_priority" | "ignore" | "into"
    ) {
        word = lx.word()?;
    }
    let mut table = unquote(&word);
    while lx.peek() == Some(b'.') {
        lx.i += 1;
        table = format!("{table}.{}", unquote(&lx.word()?));
    }
    let mut columns = Vec::new();
    if lx.peek() == Some(b'(') {
        lx.i += 1;
        loop {
            columns.push(unquote(&lx.word()?));
            match lx.peek()? {
                b',' => lx.i += 1,
                b')' => {
                    lx.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    let values_kw = lx.word()?.to_ascii_lowercase();
    if values_kw != "values" && values_kw != "value" {
        return None;
    }
    let mut rows = Vec::new();
    while rows.len() < MAX_ROWS {
        if lx.peek() != Some(b'(') {
            break;
        }
        lx.i += 1;
        let mut row = Vec::new();
        loop {
            row.push(lx.literal()?);
            match lx.peek()? {
                b',' => lx.i += 1,
                b')' => {
                    lx.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        rows.push(row);
        if lx.peek() == Some(b',') {
            lx.i += 1;
        } else {
            break;
        }
    }
    Some(InsertSample {
        table,
        columns,
        rows,
        line: 0,
    })
}

fn unquote(w: &str) -> String {
    w.trim_matches(|c| matches!(c, '`' | '"' | '[' | ']'))
        .to_string()
}

struct Lexer<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl Lexer<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b' ' | b'\t' | b'\r' | b'\n' => self.i += 1,
                b'-' if self.s.get(self.i + 1) == Some(&b'-') => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    /// An identifier or keyword, quoted or not.
    fn word(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.i;
        match *self.s.get(self.i)? {
            q @ (b'`' | b'"') => {
                self.i += 1;
                while self.i < self.s.len() && self.s[self.i] != q {
                    self.i += 1;
                }
                self.i = (self.i + 1).min(self.s.len());
            }
            b'[' => {
                while self.i < self.s.len() && self.s[self.i] != b']' {
                    self.i += 1;
                }
                self.i = (self.i + 1).min(self.s.len());
            }
            _ => {
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric()
                        || self.s[self.i] == b'_'
                        || self.s[self.i] >= 0x80)
                {
                    self.i += 1;
                }
            }
        }
        (self.i > start).then(|| self.src[start..self.i].to_string())
    }

    /// A literal value: `'text'` (with `''` and `\'` escapes), a number, or
    /// NULL/other bare words (→ `None`). Nested parentheses are skipped.
    fn literal(&mut self) -> Option<Option<String>> {
        self.skip_ws();
        let c = *self.s.get(self.i)?;
        if c == b'\'' {
            self.i += 1;
            let mut out = Vec::new();
            while self.i < self.s.len() {
                match self.s[self.i] {
                    b'\\' if self.i + 1 < self.s.len() => {
                        out.push(self.s[self.i + 1]);
                        self.i += 2;
                    }
                    b'\'' if self.s.get(self.i + 1) == Some(&b'\'') => {
                        out.push(b'\'');
                        self.i += 2;
                    }
                    b'\'' => {
                        self.i += 1;
                        return Some(Some(String::from_utf8_lossy(&out).into_owned()));
                    }
                    b => {
                        out.push(b);
                        self.i += 1;
                    }
                }
            }
            return None;
        }
        let start = self.i;
        let mut depth = 0usize;
        let mut quoted = false;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                b',' if depth == 0 => break,
                b'\'' => {
                    // b'0', x'ff', N'…', _utf8mb4'…', or a call with string
                    // arguments: skip the quoted part; not a plain literal.
                    self.i += 1;
                    while self.i < self.s.len() && self.s[self.i] != b'\'' {
                        self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
                    }
                    if self.i >= self.s.len() {
                        return None;
                    }
                    quoted = true;
                }
                _ => {}
            }
            self.i += 1;
        }
        let raw = self.src[start..self.i.min(self.s.len())].trim();
        // A DB-side encryption or digest function (`AES_ENCRYPT('…', @k)`):
        // only its name is kept, as a marker hash_shape reads.
        if let Some(f) = crate::extract::hash_shape::db_function(raw) {
            return Some(Some(format!(
                "{}{f}",
                crate::extract::hash_shape::DB_FUNCTION_MARK
            )));
        }
        if quoted {
            return Some(None);
        }
        let numeric = !raw.is_empty()
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
        Some(numeric.then(|| raw.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_and_rows() {
        let s = sample_insert("INSERT INTO `db`.`t_user` (`id`, `name`, `phone`, `note`) VALUES (1,'张三','13800000000',NULL),(2,'O''Brien','x\\'y', now())").unwrap();
        let bits =
            sample_insert("INSERT INTO t VALUES (b'0', x'ff', N'名', concat('a', 'b'), 'z')")
                .unwrap();
        assert_eq!(bits.rows[0], [None, None, None, None, Some("z".into())]);
        assert_eq!(s.table, "db.t_user");
        assert_eq!(s.columns, ["id", "name", "phone", "note"]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(
            s.rows[0],
            [
                Some("1".into()),
                Some("张三".into()),
                Some("13800000000".into()),
                None
            ]
        );
        assert_eq!(s.rows[1][1].as_deref(), Some("O'Brien"));
        assert_eq!(s.rows[1][2].as_deref(), Some("x'y"));
        assert_eq!(s.rows[1][3], None);
    }

    #[test]
    fn without_column_list_and_bounded() {
        let rows: Vec<String> = (0..200).map(|i| format!("({i},'v{i}')")).collect();
        let sql = format!("insert ignore into t values {}", rows.join(","));
        let s = sample_insert(&sql).unwrap();
        assert!(s.columns.is_empty());
        assert_eq!(s.rows.len(), MAX_ROWS);
    }

    #[test]
    fn other_shapes_and_garbage_give_none() {
        for sql in [
            "SELECT 1",
            "INSERT INTO t SELECT * FROM s",
            "INSERT INTO t (a VALUES (1)",
            "INSERT INTO t VALUES ('unterminated",
            "INSERT",
            "",
        ] {
            assert!(sample_insert(sql).is_none(), "{sql}");
        }
    }
}
