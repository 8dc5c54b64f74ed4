//! PI in log calls: the classification step over the Java extractor's log
//! calls. Extractors do not classify; they record what each call prints, and
//! this step decides which printed values are PI once the classifier exists.

use super::Classifier;
use crate::extract::FileFacts;
use crate::model::Control;

/// Whether a log call in `scope` (`Class.method`) of `file` is developer
/// code rather than request handling: test sources, and a `main` method (it
/// boots the application or is a developer's utility run by hand; what it
/// prints is the process's own state — the server's address, a hash of a
/// literal — never a data subject's request).
pub fn developer_code(scope: &str, file: &str) -> bool {
    scope.rsplit('.').next() == Some("main") || crate::extract::is_test_source(file)
}

/// The `pi_logged` controls of the log calls whose printed values the
/// classifier tags as PI, or that print a whole person object. The subject
/// names the method and the values (`UserService.register: idCard`); the
/// value lists their categories (`person_object` for a whole record).
/// They are added to `controls`, kept in the order `facts::assemble` gives.
pub fn pi_logged<'a>(
    files: impl IntoIterator<Item = &'a FileFacts>,
    classifier: &Classifier<'_>,
    controls: &mut Vec<Control>,
) {
    let out = controls;
    let before = out.len();
    for call in files.into_iter().flat_map(|f| &f.log_calls) {
        if developer_code(&call.scope, &call.location.file) {
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        let mut categories: Vec<String> = Vec::new();
        for a in &call.args {
            let category = match classifier.tag_identifier(&a.name, a.owner.as_deref()) {
                Some(tag) => tag.category,
                None if a.whole && classifier.person_object(&a.name) => "person_object".into(),
                None => continue,
            };
            if !names.contains(&a.name.as_str()) {
                names.push(&a.name);
            }
            if !categories.contains(&category) {
                categories.push(category);
            }
        }
        if names.is_empty() {
            continue;
        }
        out.push(Control {
            subject: Some(format!("{}: {}", call.scope, names.join(", "))),
            value: Some(categories.join(", ")),
            log_level: (!call.level.is_empty()).then(|| call.level.clone()),
            ..Control::at("pi_logged", call.location.clone())
        });
    }
    if out.len() > before {
        out.sort_by(|a, b| {
            (&a.location, &a.kind, &a.subject).cmp(&(&b.location, &b.kind, &b.subject))
        });
    }
}
