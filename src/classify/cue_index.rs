//! An index over the column-name cues, so classifying a column looks only
//! at the cues that can match it instead of testing every cue (thousands)
//! against every column (hundreds of thousands in a large estate).

use super::cues::{CommentCue, NameCue};
use aho_corasick::AhoCorasick;
use std::collections::HashMap;

/// Shortest cue a concatenated-pinyin tail may match (see
/// `is_compound_pinyin`); shorter suffixes need no lookup.
const MIN_COMPOUND_CUE: usize = 3;
/// Longest token read as concatenated pinyin (see `is_compound_pinyin`).
const MAX_COMPOUND_TOKEN: usize = 12;

/// Name cues by first token and by joined text (positions in `Cues::names`).
#[derive(Debug, Default)]
pub(crate) struct NameCueIndex<'a> {
    by_first_token: HashMap<&'a str, Vec<usize>>,
    by_joined: HashMap<&'a str, Vec<usize>>,
}

impl<'a> NameCueIndex<'a> {
    /// Indexes `names`.
    pub(crate) fn new(names: &'a [NameCue]) -> Self {
        let mut index = NameCueIndex::default();
        for (i, cue) in names.iter().enumerate() {
            if let Some(first) = cue.tokens.first() {
                index.by_first_token.entry(first).or_default().push(i);
            }
            index.by_joined.entry(&cue.joined).or_default().push(i);
        }
        index
    }

    /// Positions of every cue that may match a column named by `tokens`
    /// (`joined` = the tokens concatenated), ascending, so callers see cues
    /// in dictionary order exactly as a full scan would. A superset: the
    /// caller still checks each candidate.
    pub(crate) fn candidates(&self, tokens: &[String], joined: &str) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        // A run of the column's tokens starts with one of them.
        for t in tokens {
            if let Some(list) = self.by_first_token.get(t.as_str()) {
                out.extend(list);
            }
        }
        // The whole name, separators ignored.
        if let Some(list) = self.by_joined.get(joined) {
            out.extend(list);
        }
        // A proper suffix of the last token (concatenated pinyin).
        if let Some(last) = tokens.last() {
            if last.len() <= MAX_COMPOUND_TOKEN {
                for start in 1..=last.len().saturating_sub(MIN_COMPOUND_CUE) {
                    let Some(suffix) = last.get(start..) else {
                        continue;
                    };
                    if let Some(list) = self.by_joined.get(suffix) {
                        out.extend(list);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// All comment keywords in one automaton: one pass over a comment finds
/// every keyword it contains.
#[derive(Debug)]
pub(crate) struct CommentCueIndex {
    /// `None` when there are no keywords (or they cannot be compiled; then
    /// [`CommentCueIndex::last_match`] falls back to a plain scan).
    automaton: Option<AhoCorasick>,
}

impl CommentCueIndex {
    /// Indexes `comments` (pattern ids are positions in the slice).
    pub(crate) fn new(comments: &[CommentCue]) -> Self {
        let automaton = if comments.is_empty() {
            None
        } else {
            AhoCorasick::new(comments.iter().map(|c| c.keyword.as_str())).ok()
        };
        CommentCueIndex { automaton }
    }

    /// The keyword match that decides a comment, as `(byte offset,
    /// position in comments)`: the keyword whose last occurrence ends
    /// last, at the same end the longest, at a full tie the later in
    /// `comments`. The same answer as `rfind` of every keyword and
    /// `max_by_key((end, len))`, in time linear in the comment.
    pub(crate) fn last_match(
        &self,
        comments: &[CommentCue],
        lower: &str,
    ) -> Option<(usize, usize)> {
        match &self.automaton {
            Some(ac) => ac
                .find_overlapping_iter(lower)
                .map(|m| (m.end(), m.len(), m.pattern().as_usize(), m.start()))
                .max()
                .map(|(_, _, i, start)| (start, i)),
            None => comments
                .iter()
                .enumerate()
                .filter_map(|(i, c)| lower.rfind(&c.keyword).map(|p| (p, i)))
                .max_by_key(|&(p, i)| (p + comments[i].keyword.len(), comments[i].keyword.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::cues::Strength;
    use crate::classify::tokens::tokenize;

    fn cue(text: &str, source: &str) -> NameCue {
        let tokens = tokenize(text);
        NameCue {
            category: "c".into(),
            text: text.into(),
            joined: tokens.concat(),
            tokens,
            strength: Strength::Plain,
            source: source.into(),
            tables: Vec::new(),
        }
    }

    #[test]
    fn finds_runs_whole_names_and_pinyin_tails_but_not_unrelated_cues() {
        let names = [
            cue("id_card", "en"),
            cue("mobile", "en"),
            cue("sfzh", "pinyin"),
            cue("idcard", "en"),
            cue("email", "en"),
        ];
        let index = NameCueIndex::new(&names);
        let t = tokenize("user_id_card_no");
        assert_eq!(index.candidates(&t, &t.concat()), [0]);
        // `IDCard` joins to `idcard`: both the run cue and the joined cue.
        let t = tokenize("id_card");
        assert_eq!(index.candidates(&t, &t.concat()), [0, 3]);
        let t = tokenize("hzsfzh");
        assert_eq!(index.candidates(&t, &t.concat()), [2]);
        let t = tokenize("remark");
        assert!(index.candidates(&t, &t.concat()).is_empty());
    }

    #[test]
    fn keyword_ending_last_then_longest_decides() {
        let comments: Vec<CommentCue> =
            ["身份证号码", "手机号", "身份证", "号码", "负责人", "电话"]
                .iter()
                .map(|k| CommentCue {
                    category: "c".into(),
                    keyword: k.to_string(),
                })
                .collect();
        let index = CommentCueIndex::new(&comments);
        let pos = |s: &str, k: &str| s.rfind(k).unwrap();
        // Same end: the longest keyword.
        let s = "持卡人身份证号码";
        assert_eq!(
            index.last_match(&comments, s),
            Some((pos(s, "身份证号码"), 0))
        );
        // Head-final: the keyword ending last.
        let s = "负责人电话";
        assert_eq!(index.last_match(&comments, s), Some((pos(s, "电话"), 5)));
        // A keyword seen twice counts at its last occurrence.
        let s = "电话或负责人";
        assert_eq!(index.last_match(&comments, s), Some((pos(s, "负责人"), 4)));
        assert_eq!(index.last_match(&comments, "备注"), None);
        assert_eq!(CommentCueIndex::new(&[]).last_match(&[], "手机号"), None);
        // The automaton and the plain scan agree.
        let plain = CommentCueIndex { automaton: None };
        for s in ["联系手机号码", "身份证号码或电话", "负责人电话号码", "x"] {
            assert_eq!(
                index.last_match(&comments, s),
                plain.last_match(&comments, s),
                "{s}"
            );
        }
    }
}
