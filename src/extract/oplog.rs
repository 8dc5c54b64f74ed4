//! Request parameters stored by an operation-log aspect: an `@Aspect`
//! class that reads the intercepted call's arguments (`joinPoint.getArgs()`)
//! or the request's parameter map and writes them into a log record's
//! parameter property (`setParam(…)`, `.operParam(…)`, `setRequestBody(…)`)
//! → `request_params_stored` (CNPI-023): every logged action's request —
//! a customer's phone and ID number in a "create customer" form included —
//! is kept at rest in the operation-log table, whatever the log level.
//! Only the class and the line are kept.

use super::FileFacts;
use crate::model::{Control, LineIndex, Location};
use regex::Regex;
use std::sync::LazyLock;

/// An aspect reading the intercepted call's arguments or request parameters,
/// itself or through a request helper (`requestKit.getReqParamJSON()`,
/// `RequestUtil.getRequestParams(request)`).
static READS_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\.\s*(?:getArgs|getParameterMap)\s*\(\s*\)|\.\s*get(?:Req|Request)(?:Param|Params|Parameter|Parameters|Body)\w*\s*\(",
    )
    .expect("valid regex")
});

/// A setter or builder call storing request parameters in a log record.
static STORES_PARAMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\.\s*(?:set)?(?:[Oo]perate|[Oo]per|[Oo]pt|[Oo]p)?(?:[Rr]equest|[Rr]eq)?(?:Param|Params|Parameter|Parameters|Body|Args)\s*\(|\.\s*(?:param|params|parameter|parameters|requestParam|requestParams|requestBody|operParam|reqParam|reqBody)\s*\(",
    )
    .expect("valid regex")
});

/// Reads one Java file's code (comments and strings blanked, same offsets
/// as `text`).
pub fn read(file: &str, text: &str, code: &str, facts: &mut FileFacts) {
    if !code.contains("@Aspect") || !READS_REQUEST.is_match(code) {
        return;
    }
    let Some(m) = STORES_PARAMS.find(code) else {
        return;
    };
    let class = class_name(code).unwrap_or_else(|| file.rsplit('/').next().unwrap_or(file));
    let lines = LineIndex::new(text);
    facts.controls.push(Control {
        subject: Some(format!("{class}: request parameters kept in a log record")),
        value: Some("request_params".into()),
        ..Control::at(
            "request_params_stored",
            Location::line(file, lines.line(m.start())),
        )
    });
}

/// The first class declared in the code.
fn class_name(code: &str) -> Option<&str> {
    let at = code.find("class ")? + "class ".len();
    let rest = &code[at..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls(src: &str) -> Vec<Control> {
        let mut f = FileFacts::default();
        read("a/LogAspect.java", src, src, &mut f);
        f.controls
    }

    #[test]
    fn an_aspect_storing_the_arguments_is_found() {
        let c = controls(
            "@Aspect\npublic class LogAspect {\n void after(JoinPoint jp) {\n  Object[] args = jp.getArgs();\n  log.setOperParam(toJson(args));\n }\n}",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, "request_params_stored");
        assert_eq!(c[0].location.line, 5);
        assert!(c[0].subject.as_deref().unwrap().starts_with("LogAspect"));
    }

    #[test]
    fn an_aspect_storing_parameters_read_by_a_request_helper_is_found() {
        // The request's parameters as JSON from a helper bean, stored in an
        // "operation request parameter" property.
        let c = controls(
            "@Aspect\npublic class MethodLogAop {\n void save(JoinPoint jp) {\n  SysLog l = new SysLog();\n  l.setOptReqParam(requestKit.getReqParamJSON().toJSONString());\n }\n}",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].location.line, 5);
    }

    #[test]
    fn a_request_helper_without_stored_parameters_is_not() {
        // The request is read for the caller's IP only; the response body is
        // no request parameter.
        assert!(controls(
            "@Aspect\npublic class IpAop {\n void save(JoinPoint jp) {\n  l.setUserIp(requestKit.getReqParamJSON().getString(\"ip\"));\n  l.setResponseBody(r);\n }\n}"
        )
        .is_empty());
    }

    #[test]
    fn aspects_that_store_no_parameters_are_not() {
        // Timing only; and a non-aspect class copying parameters.
        assert!(controls(
            "@Aspect\npublic class TimeAspect {\n void around(JoinPoint jp) {\n  Object[] a = jp.getArgs();\n  log.setCostTime(1);\n }\n}"
        )
        .is_empty());
        assert!(controls(
            "public class Mapper {\n void m(JoinPoint jp) { Object[] a = jp.getArgs(); r.setParam(a); }\n}"
        )
        .is_empty());
    }
}
