//! Value evidence: run the validators over sampled values of a field (seed
//! `INSERT … VALUES` rows today, live database samples later). A majority of
//! valid values adds evidence — shown only masked — or tags an untagged
//! column; a valid USCC majority marks an organisation column, which is not
//! PI; a clear majority of invalid values withdraws a tag made by weak cues.

use super::Classifier;
use crate::model::{Dataset, Evidence, PiTag};
use crate::validators::{
    is_bank_card, is_cn_landline, is_cn_mobile, is_cn_passport, is_cn_plate, is_email,
    is_hmt_permit, is_ip, is_resident_id, is_uscc, mask,
};
use std::collections::HashMap;

/// Fewer samples than this never change a tag, except through a strong
/// validator.
const MIN_SAMPLES: usize = 3;
/// Valid values a strong validator needs to tag (a table with two seed rows).
const MIN_STRONG_VALID: usize = 2;

/// Validators strong enough to tag on [`MIN_STRONG_VALID`] values: an 18-digit
/// GB 11643 number must pass its check digit, a real birth date and a region
/// code, which random digits pass about once in 10⁴ tries. Weaker validators
/// (phone numbers, e-mail shapes, Luhn) keep [`MIN_SAMPLES`].
const STRONG: [(&str, &str, Validator); 1] = [(
    "identity.national_id",
    "GB 11643 resident ID numbers (check digit, birth date, region)",
    is_checked_resident_id,
)];

fn is_checked_resident_id(s: &str) -> bool {
    s.len() == 18 && is_resident_id(s)
}
/// Share of samples that must pass a validator.
const MAJORITY: f64 = 0.6;

type Validator = fn(&str) -> bool;

/// Validators that identify a category, in order of specificity.
const VALIDATORS: [(&str, &str, Validator); 9] = [
    (
        "identity.national_id",
        "GB 11643 resident ID numbers",
        is_resident_id,
    ),
    ("contact.phone", "mainland mobile numbers", is_cn_mobile),
    (
        "finance.bank_card",
        "Luhn-valid UnionPay card numbers",
        is_card_like,
    ),
    ("contact.email", "email addresses", is_email),
    ("identity.passport", "PRC passport numbers", is_cn_passport),
    (
        "identity.hmt_permit",
        "HK/Macao travel or home-return permit numbers",
        is_hmt_permit,
    ),
    ("vehicle.plate", "licence plates", is_cn_plate),
    ("network.ip", "IP addresses", is_ip),
    ("contact.phone", "landline numbers", is_cn_landline),
];

fn is_card_like(s: &str) -> bool {
    // 62 = UnionPay; other prefixes need a column cue (IMEIs also pass Luhn).
    s.starts_with("62") && is_bank_card(s)
}

impl Classifier<'_> {
    /// Fewer than [`MIN_SAMPLES`] values: only a strong validator passing
    /// on at least [`MIN_STRONG_VALID`] of them and on a majority counts.
    fn apply_strong_samples(&self, f: &mut crate::model::Field, values: &[&str]) {
        for (category, what, check) in STRONG {
            let valid: Vec<&&str> = values.iter().filter(|v| check(v)).collect();
            if valid.len() < MIN_STRONG_VALID
                || (valid.len() as f64) < MAJORITY * values.len() as f64
            {
                continue;
            }
            let evidence = Evidence {
                kind: "value".into(),
                detail: format!(
                    "{}/{} samples are {what}, e.g. {} (a strong validator: {MIN_STRONG_VALID} valid values suffice)",
                    valid.len(),
                    values.len(),
                    mask(valid[0])
                ),
            };
            // Few values: they add evidence to the same tag but do not raise it.
            self.tag_by_values(&mut f.pi, category, evidence, false);
            return;
        }
    }

    /// Tags a field by its sampled values: the same category gains the
    /// evidence (and, with `raise_same`, confidence); values beat a generic
    /// or weak name (`zjhm`, any 证件号码, holding GB 11643 numbers is a
    /// resident ID column); an untagged field is tagged at 0.8.
    fn tag_by_values(
        &self,
        pi: &mut Option<PiTag>,
        category: &str,
        evidence: Evidence,
        raise_same: bool,
    ) {
        match pi {
            Some(tag) if tag.category == category => {
                if raise_same {
                    tag.confidence = ((1.0 - (1.0 - tag.confidence) * 0.1) * 100.0).round() / 100.0;
                }
                tag.evidence.push(evidence);
            }
            Some(tag) if tag.category == "identity.other_id" || tag.confidence < 0.9 => {
                tag.category = category.to_string();
                tag.sensitive = self.taxonomy.is_sensitive(category, self.profile);
                tag.confidence = tag.confidence.max(0.9);
                tag.evidence.push(evidence);
            }
            Some(_) => {}
            None => {
                *pi = Some(PiTag {
                    category: category.to_string(),
                    sensitive: self.taxonomy.is_sensitive(category, self.profile),
                    confidence: 0.8,
                    evidence: vec![evidence],
                });
            }
        }
    }

    /// Applies value evidence from `samples` (field id → values) to `ds`.
    pub(super) fn apply_samples(&self, ds: &mut Dataset, samples: &HashMap<String, Vec<String>>) {
        for f in &mut ds.fields {
            let Some(values) = samples.get(&f.id) else {
                continue;
            };
            let values: Vec<&str> = values
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            if values.len() < MIN_SAMPLES {
                self.apply_strong_samples(f, &values);
                continue;
            }
            let share = |check: Validator| {
                values.iter().filter(|v| check(v)).count() as f64 / values.len() as f64
            };
            if share(is_uscc) >= MAJORITY {
                // Organisation identifiers are not PI, whatever the name says.
                f.pi = None;
                continue;
            }
            let hit = VALIDATORS
                .iter()
                .find(|(_, _, check)| share(*check) >= MAJORITY);
            match (hit, &mut f.pi) {
                (Some((category, what, check)), pi) => {
                    let n = values.iter().filter(|v| check(v)).count();
                    let example = values
                        .iter()
                        .find(|v| check(v))
                        .map_or(String::new(), |v| mask(v));
                    let evidence = Evidence {
                        kind: "value".into(),
                        detail: format!("{n}/{} samples are {what}, e.g. {example}", values.len()),
                    };
                    self.tag_by_values(pi, category, evidence, true);
                }
                (None, Some(tag)) => {
                    // Tagged as a validated category but the values disagree.
                    let own = VALIDATORS.iter().find(|(c, _, _)| *c == tag.category);
                    if let Some((_, what, check)) = own {
                        if share(*check) < 1.0 - MAJORITY && tag.confidence < 0.95 {
                            tag.confidence = 0.4;
                            tag.evidence.push(Evidence {
                                kind: "value".into(),
                                detail: format!("most samples are not {what}"),
                            });
                        }
                    }
                    if tag.confidence < super::THRESHOLD {
                        f.pi = None;
                    }
                }
                (None, None) => {}
            }
        }
    }
}
