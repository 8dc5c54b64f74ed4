//! Data flow through Java service code (issue 20): values followed from
//! their origins (parameters, getters and fields of typed objects, request
//! bodies) through assignments, string building, collections, setters and
//! builders to sinks — loggers, HTTP clients, queue producers, file exports,
//! catalogued third-party SDK calls and controller responses — within a
//! method and, by [`link`], across calls of the same repository (by method
//! name and arity, narrowed by the receiver's type; at most [`MAX_DEPTH`]
//! calls deep).
//!
//! Extractors do not classify: a [`Val`] names what reaches a sink (a
//! property and the type it is read from, a whole object of a type, a bare
//! variable). Which of those are PI is decided after classification by
//! `classify::flows`, which turns the hits into controls; the typed values
//! also become [`super::EndpointFlow`]s into the sink's [`Endpoint`], so the
//! lineage graph and its PI paths include them.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use tree_sitter::Node;

use super::catalog::{host_of, is_private_host, Catalog};
use super::java::{getter_property, Import};
use super::{EndpointFlow, FileFacts};
use crate::model::{Endpoint, Location, Transform};

/// How many calls a value is followed through (caller → callee).
pub const MAX_DEPTH: usize = 3;
/// Most hits derived through calls per method (bounds pathological graphs).
const MAX_DERIVED: usize = 64;
/// Most candidate callees of one call site (name + arity matches).
const MAX_CALLEES: usize = 4;

/// What kind of place a value ends up in; the endpoint kind it becomes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SinkKind {
    /// A logger (`log`).
    Log,
    /// An outgoing HTTP request (`http_api`).
    Http,
    /// A queue producer (`message_queue`).
    Queue,
    /// A file written for download or transfer (`file_export`).
    Export,
    /// What a controller method returns (`api_response`).
    Response,
    /// A call into a catalogued third-party SDK (`sdk`): a setter or
    /// builder call on one of its request objects, or a static call on one
    /// of its classes. Until [`link`], the target's vendor is the imported
    /// class's qualified name; `link` resolves it to the catalogue's SDK
    /// (target name = SDK id) or drops the hit.
    Sdk,
}

impl SinkKind {
    /// The endpoint kind (`Endpoint.kind`).
    pub fn endpoint_kind(self) -> &'static str {
        match self {
            SinkKind::Log => "log",
            SinkKind::Http => "http_api",
            SinkKind::Queue => "message_queue",
            SinkKind::Export => "file_export",
            SinkKind::Response => "api_response",
            SinkKind::Sdk => "sdk",
        }
    }
}

/// A value reaching a sink, named as the code names it.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Val {
    /// Property, field or variable name (`phone` for `user.getPhone()`);
    /// `<request_body>` / `<response_body>` for a whole HTTP body.
    pub name: String,
    /// Variable the property is read from.
    pub owner: Option<String>,
    /// Simple class name of the object (whole) or of the owner (property).
    pub ty: Option<String>,
    /// A whole object (all of its fields), not one property.
    pub whole: bool,
    /// What happened to the value on the way.
    pub transform: Transform,
    /// Index of the method parameter it comes from, if any.
    pub param: Option<usize>,
    /// Dataset the type declares (filled by [`link`]).
    pub dataset: Option<String>,
}

impl Val {
    fn named(name: &str) -> Val {
        Val {
            name: name.to_string(),
            owner: None,
            ty: None,
            whole: false,
            transform: Transform::Copy,
            param: None,
            dataset: None,
        }
    }

    fn object(name: &str, ty: &str) -> Val {
        Val {
            ty: Some(ty.to_string()),
            whole: true,
            ..Val::named(name)
        }
    }

    /// A marker for a whole request or response body.
    pub fn is_body(&self) -> bool {
        self.name.starts_with('<') && self.name.ends_with("_body>")
    }
}

/// Where a sink sends to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// Host, topic, file kind or `Class.method`.
    pub name: String,
    /// Host of a URL, when resolved.
    pub host: Option<String>,
    /// `http` or `https`, when the URL says.
    pub scheme: Option<String>,
    /// Client library or vendor (`resttemplate`, `kafka`, `easyexcel`…).
    pub vendor: String,
    /// Config key the URL comes from (`${sms.url}`), when not a literal.
    pub config_key: Option<String>,
    /// The URL is this parameter of the method: resolved at each call.
    pub url_param: Option<usize>,
    /// The config entry (`application.yml:3`) `config_key` was resolved
    /// against by [`link`], when it was.
    pub config_at: Option<Location>,
    /// A controller response: the request path the handler is mapped to
    /// (the class's `@RequestMapping` path, then the method's), when the
    /// mappings name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Target {
    fn resolved(&self) -> bool {
        self.host.is_some() || self.config_key.is_some()
    }
}

/// A sink reached by values: in the method itself, or through calls.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// Kind of sink.
    pub kind: SinkKind,
    /// Where it sends to.
    pub target: Target,
    /// Log level for a logger (`info`…).
    pub level: Option<String>,
    /// Values reaching it.
    pub vals: Vec<Val>,
    /// `Class.method` of each method on the way, the source's first.
    pub chain: Vec<String>,
    /// Every hop: the call sites, then the sink.
    pub hops: Vec<Location>,
    /// A method on the way records an audit/operation log (`@Log`…).
    pub audited: bool,
    /// A controller response of the caller's own account or session (see
    /// [`own_session`]): the person reads their own data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own: bool,
    /// A controller response behind a permission or role check on the
    /// handler or its class (see [`staff_check`]): back-office staff read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub staff: bool,
    /// Properties the handler clears before returning (`user.setPassword(null)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleared: Vec<String>,
    /// Of a file export: the string literals of the exporting method that
    /// read as property names. When some of them name properties of the
    /// exported class, they are the column list (`ExcelColumn.build("姓名",
    /// "name")`) and only those properties are written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl Hit {
    /// Where the sink is (the last hop).
    pub fn location(&self) -> &Location {
        self.hops.last().expect("a hit has at least its sink")
    }
}

/// A call to a method that may be in the repository.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallSite {
    /// Method name.
    pub name: String,
    /// Number of arguments.
    pub arity: usize,
    /// Simple type of the receiver, when known.
    pub receiver: Option<String>,
    /// The values of each argument.
    pub args: Vec<Vec<Val>>,
    /// Each argument as a URL: a literal or config-key host, or a
    /// parameter of the caller.
    pub urls: Vec<Option<Target>>,
    /// Where.
    pub location: Location,
}

/// One method (or constructor) with its sinks and calls.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Method {
    /// Simple class name.
    pub class: String,
    /// Method name.
    pub name: String,
    /// Parameter count.
    pub arity: usize,
    /// Sinks in the body.
    pub hits: Vec<Hit>,
    /// Calls in the body.
    pub calls: Vec<CallSite>,
    /// Annotated with an audit/operation log (`@Log`, `@OperLog`…).
    pub audited: bool,
}

/// A class's fields as the flow pass needs them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassInfo {
    /// Simple name.
    pub name: String,
    /// Simple names of the superclass and interfaces.
    pub supertypes: Vec<String>,
    /// Instance fields: name, simple type, masked on output.
    pub fields: Vec<(String, String, bool)>,
    /// A `@FeignClient`/Forest interface: its methods send their arguments.
    pub http_client: Option<Target>,
    /// A `@FeignClient` of a service of the same deployment (no `url`): the
    /// request paths its methods call (see [`service_path`]). A controller
    /// serving one of them is an internal service API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_paths: Vec<String>,
}

/// What the flow pass read from one file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowFacts {
    /// Classes.
    pub classes: Vec<ClassInfo>,
    /// Methods.
    pub methods: Vec<Method>,
    /// Hits after [`link`]: the file's own and those through calls.
    pub hits: Vec<Hit>,
}

/// Wrappers unwrapped to find what a controller returns.
const WRAPPERS: &[&str] = &[
    "R",
    "Result",
    "Results",
    "AjaxResult",
    "CommonResult",
    "ResponseEntity",
    "List",
    "Collection",
    "Set",
    "Page",
    "IPage",
    "PageInfo",
    "PageResult",
    "TableDataInfo",
    "Optional",
    "Mono",
    "Flux",
    "ApiResult",
    "ResultVO",
    "JsonResult",
    "Response",
    "RestResponse",
    "BaseResponse",
    "Map",
];

/// Types that are values, not records with fields.
const SCALARS: &[&str] = &[
    "String",
    "Long",
    "Integer",
    "int",
    "long",
    "short",
    "byte",
    "char",
    "boolean",
    "double",
    "float",
    "Boolean",
    "Double",
    "Float",
    "Short",
    "Byte",
    "Character",
    "BigDecimal",
    "BigInteger",
    "Date",
    "LocalDate",
    "LocalDateTime",
    "Object",
    "void",
    "Void",
    "var",
    "JSONObject",
    "JsonNode",
    "HttpServletRequest",
    "HttpServletResponse",
    "ServerWebExchange",
    "MultipartFile",
    "Model",
    "ModelMap",
    "ModelAndView",
];

/// Method (or controller class) annotations recording an operation log.
const AUDIT_ANNOTATIONS: &[&str] = &[
    "Log",
    "OperLog",
    "OperateLog",
    "OperationLog",
    "SysLog",
    "AuditLog",
    "OpLog",
    "Audit",
    "LogRecord",
    "BusinessLog",
    "ApiLog",
    "ControllerLog",
];

/// Whether a handler's or controller's annotations demand a permission or
/// role (`@PreAuthorize("hasAuthority('USER_LIST')")`, Shiro
/// `@RequiresPermissions`, Sa-Token `@SaCheckPermission`, `@Secured`,
/// `@RolesAllowed`): the response is shown to authorised staff, not to any
/// caller. Being logged in (`isAuthenticated()`, `@SaCheckLogin`) is not.
fn staff_check(anns: &[(String, String)]) -> bool {
    anns.iter().any(|(a, text)| match a.as_str() {
        "RequiresPermissions"
        | "RequiresRoles"
        | "SaCheckPermission"
        | "SaCheckRole"
        | "Secured"
        | "RolesAllowed" => true,
        "PreAuthorize" | "PostAuthorize" => {
            // The expression, not the annotation's own `@`.
            let t = text
                .split_once('(')
                .map_or("", |(_, e)| e)
                .to_ascii_lowercase();
            [
                "hasauthority",
                "hasanyauthority",
                "hasrole",
                "hasanyrole",
                "haspermi",
                "@",
            ]
            .iter()
            .any(|w| t.contains(w))
        }
        _ => false,
    })
}

/// A request path as a service API key: no leading or trailing slash, path
/// variables as `{}` (`/sys/driver/{id}` and `sys/driver/{driverId}` are one).
pub fn service_path(path: &str) -> String {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') {
                "{}".to_string()
            } else {
                s.to_ascii_lowercase()
            }
        })
        .collect();
    segs.join("/")
}

const MAPPINGS: &[&str] = &[
    "GetMapping",
    "PostMapping",
    "PutMapping",
    "DeleteMapping",
    "PatchMapping",
    "RequestMapping",
];

/// The first path a `*Mapping` annotation names (`@GetMapping("/x")`,
/// `@RequestMapping(value = "/x", method = …)`), if it names one.
fn mapping_path(anns: &[(String, String)]) -> Option<String> {
    anns.iter()
        .find(|(a, _)| MAPPINGS.contains(&a.as_str()))
        .and_then(|(_, t)| t.split('"').nth(1).map(str::to_string))
}

/// A class path and a method path as one request path: `/a` + `b/` →
/// `/a/b` (one slash between segments, none at the end).
fn join_paths(base: &str, path: &str) -> String {
    let segs: Vec<&str> = base
        .split('/')
        .chain(path.split('/'))
        .filter(|s| !s.is_empty())
        .collect();
    format!("/{}", segs.join("/"))
}

fn simple(ty: &str) -> String {
    let t = ty.split('<').next().unwrap_or(ty).trim();
    let t = t.trim_end_matches("[]").trim_end_matches("...");
    t.rsplit('.').next().unwrap_or(t).trim().to_string()
}

/// The record type a declared type carries: `List<User>` → `User`,
/// `R<Page<UserVO>>` → `UserVO`, `User[]` → `User`; `None` for scalars.
pub fn carried_type(ty: &str) -> Option<String> {
    let words: Vec<String> = ty
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .map(simple)
        .collect();
    words.into_iter().rev().find(|w| {
        w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && !WRAPPERS.contains(&w.as_str())
            && !SCALARS.contains(&w.as_str())
            && w.len() > 1
    })
}

fn is_logger(obj: &str) -> bool {
    let last = obj.rsplit('.').next().unwrap_or(obj);
    let l = last.to_ascii_lowercase();
    l == "log" || l == "logger" || l.ends_with("log") || l.ends_with("logger")
}

const LOG_LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "fatal"];

fn mask_transform(name: &str) -> Option<Transform> {
    let l = name.to_ascii_lowercase();
    if l.contains("mask")
        || l.contains("desensiti")
        || l.contains("sensitive")
        || l == "hide"
        || l.starts_with("redact")
        || l.contains("tuomin")
    {
        Some(Transform::Mask)
    } else if l.contains("encrypt")
        || l.contains("cipher")
        || l.starts_with("sm4")
        || l.starts_with("aes")
    {
        Some(Transform::Encrypt)
    } else if l.contains("md5")
        || l.contains("sha256")
        || l.contains("sha1")
        || l.starts_with("sha")
        || l.contains("hash")
        || l.contains("sm3")
        || l.contains("digest")
        || l == "encode"
    {
        Some(Transform::Hash)
    } else {
        None
    }
}

/// Calls whose result carries their receiver's and arguments' values.
const PASS_THROUGH: &[&str] = &[
    "format",
    "valueOf",
    "toString",
    "toJSONString",
    "toJsonStr",
    "toJson",
    "toJSON",
    "parseObj",
    "writeValueAsString",
    "writeValueAsBytes",
    "concat",
    "join",
    "append",
    "trim",
    "strip",
    "toUpperCase",
    "toLowerCase",
    "getBytes",
    "formatted",
    "of",
    "asList",
    "singletonList",
    "build",
    "stream",
    "collect",
    "toList",
    "filter",
    "sorted",
    "copyProperties",
    "copy",
    "toBean",
    "convert",
    "insert",
    "replace",
    "builder",
    "create",
    "body",
    "bodyValue",
    "form",
];

const BODY_READS: &[&str] = &[
    "getParameterMap",
    "getContentAsByteArray",
    "getInputStream",
    "getReader",
    "getQueryString",
    "getArgs",
    "readBody",
    "getRequestBody",
    "getCachedBody",
];

const QUEUE_METHODS: &[&str] = &[
    "send",
    "sendDefault",
    "convertAndSend",
    "convertSendAndReceive",
    "sendAndReceive",
    "syncSend",
    "asyncSend",
    "sendOneWay",
    "syncSendOrderly",
    "asyncSendOrderly",
    "sendMessageInTransaction",
];

const HTTP_METHODS: &[&str] = &[
    "postForObject",
    "postForEntity",
    "postForLocation",
    "exchange",
    "getForObject",
    "getForEntity",
    "put",
    "patchForObject",
    "execute",
    "post",
    "get",
    "createPost",
    "createGet",
    "createRequest",
    "doPost",
    "doGet",
    "sendPost",
    "sendGet",
    "httpPost",
    "httpGet",
    "postJson",
    "uri",
    "url",
    "newCall",
];

struct Cx<'a> {
    file: &'a str,
    src: &'a [u8],
    /// Class constants: name → string value.
    constants: HashMap<String, String>,
    /// Fields with `@Value("${key}")`: name → key.
    config_keys: HashMap<String, String>,
    /// Field types of the current class.
    field_types: HashMap<String, String>,
    /// The file's single-type imports: simple name → qualified name.
    imports: HashMap<String, String>,
    /// The SDK catalogue: a call on an imported class is an SDK sink only
    /// when the class belongs to a catalogued SDK.
    catalog: &'a Catalog,
}

/// The per-method state: what each variable holds and its declared type.
struct Env {
    vals: HashMap<String, Vec<Val>>,
    types: HashMap<String, String>,
    hits: Vec<Hit>,
    calls: Vec<CallSite>,
    scope: String,
    audited: bool,
    /// `new HttpPost(url)` assigned to a variable: its target.
    http_vars: HashMap<String, Target>,
    returns: Vec<Val>,
    /// String literals of the method that read as property names
    /// (`ExcelColumn.build("姓名", "name")`, `addHeaderAlias("mobile", …)`):
    /// the columns an export names, see [`Hit::columns`].
    columns: Vec<String>,
}

fn row(n: Node<'_>) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

fn push_unique(out: &mut Vec<Val>, v: Val) {
    if !out.contains(&v) && out.len() < 64 {
        out.push(v);
    }
}

impl<'a> Cx<'a> {
    fn text(&self, n: Node<'_>) -> &'a str {
        std::str::from_utf8(&self.src[n.byte_range()]).unwrap_or("")
    }

    /// The text of `n`'s child `field` (`name`, `body`, `type`…), empty when
    /// it has none.
    fn field_text(&self, n: Node<'_>, field: &str) -> &'a str {
        n.child_by_field_name(field).map_or("", |x| self.text(x))
    }

    fn loc(&self, n: Node<'_>) -> Location {
        Location::line(self.file, row(n))
    }

    fn annotations(&self, decl: Node<'_>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut c = decl.walk();
        for m in decl.children(&mut c) {
            if m.kind() != "modifiers" {
                continue;
            }
            let mut c2 = m.walk();
            for a in m.children(&mut c2) {
                if matches!(a.kind(), "annotation" | "marker_annotation") {
                    let name = self.field_text(a, "name");
                    let name = name.rsplit('.').next().unwrap_or(name).to_string();
                    out.push((name, self.text(a).to_string()));
                }
            }
        }
        out
    }

    fn literal(&self, n: Node<'_>) -> Option<String> {
        match n.kind() {
            "string_literal" => Some(self.text(n).trim_matches('"').to_string()),
            "binary_expression" => {
                let l = self.literal(n.child_by_field_name("left")?)?;
                let r = self
                    .literal(n.child_by_field_name("right")?)
                    .unwrap_or_default();
                Some(l + &r)
            }
            "identifier" => self.constants.get(self.text(n)).cloned(),
            "field_access" => {
                let f = n.child_by_field_name("field")?;
                self.constants.get(self.text(f)).cloned()
            }
            "parenthesized_expression" => self.literal(n.named_child(0)?),
            // `voice ? VOICE_URL : TEXT_URL`: either branch names the host.
            "ternary_expression" => self
                .literal(n.child_by_field_name("consequence")?)
                .or_else(|| self.literal(n.child_by_field_name("alternative")?)),
            // `MessageFormat.format(URL_TEMPLATE, a, b)`, `String.format(…)`:
            // the template.
            "method_invocation"
                if n.child_by_field_name("name")
                    .is_some_and(|x| self.text(x) == "format") =>
            {
                let first = n.child_by_field_name("arguments")?.named_child(0)?;
                self.literal(first)
            }
            _ => None,
        }
    }

    /// The URL an expression names: a literal (or its literal prefix), a
    /// constant, or a `@Value("${key}")` field.
    fn url_target(&self, n: Node<'_>, vendor: &str) -> Target {
        let mut t = Target {
            vendor: vendor.to_string(),
            ..Target::default()
        };
        let mut cur = n;
        // `base + "/path?x=" + v`: the leftmost operand holds the host.
        while cur.kind() == "binary_expression" {
            match cur.child_by_field_name("left") {
                Some(l) => cur = l,
                None => break,
            }
        }
        let name = match cur.kind() {
            "identifier" => Some(self.text(cur)),
            "field_access" => cur.child_by_field_name("field").map(|f| self.text(f)),
            _ => None,
        };
        let url = self
            .literal(cur)
            .or_else(|| self.literal(n))
            .filter(|u| u.contains("://") || u.contains('.'));
        if let Some(u) = url {
            let lower = u.to_ascii_lowercase();
            t.scheme = if lower.starts_with("https://") {
                Some("https".into())
            } else if lower.starts_with("http://") {
                Some("http".into())
            } else {
                None
            };
            t.host = host_of(&u);
        } else if let Some(k) = name.and_then(|nm| self.config_keys.get(nm)) {
            t.config_key = Some(k.clone());
        }
        t.name = t
            .host
            .clone()
            .or_else(|| t.config_key.clone())
            .unwrap_or_else(|| self.unresolved(vendor, name));
        t
    }

    /// The name of a URL the scan cannot resolve: where it comes from (the
    /// class and the field or variable holding it, `okhttp:VerifyClient.url`),
    /// so that unrelated call sites are not one endpoint `okhttp:?`.
    fn unresolved(&self, vendor: &str, var: Option<&str>) -> String {
        let class = std::path::Path::new(self.file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?");
        match var {
            Some(v) => format!("{vendor}:{class}.{v}"),
            None => format!("{vendor}:{class}"),
        }
    }
}

/// Reads the flow facts of one parsed file.
pub fn read(
    file: &str,
    root: Node<'_>,
    src: &[u8],
    imports: &[Import],
    catalog: &Catalog,
) -> FlowFacts {
    let mut out = FlowFacts::default();
    let mut cx = Cx {
        file,
        src,
        constants: HashMap::new(),
        config_keys: HashMap::new(),
        field_types: HashMap::new(),
        imports: simple_names(imports),
        catalog,
    };
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "class_declaration"
            | "interface_declaration"
            | "record_declaration"
            | "enum_declaration" => read_class(&mut cx, n, &mut out),
            _ => {
                let mut c = n.walk();
                let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
                stack.extend(kids.into_iter().rev());
            }
        }
    }
    out
}

/// `import a.b.C;` → `C` → `a.b.C` (static and on-demand imports skipped).
fn simple_names(imports: &[Import]) -> HashMap<String, String> {
    imports
        .iter()
        .filter(|i| !i.is_static && !i.path.ends_with('*'))
        .filter_map(|i| {
            let simple = i.path.rsplit('.').next().filter(|s| !s.is_empty())?;
            Some((simple.to_string(), i.path.clone()))
        })
        .collect()
}

/// The imported class a call is made on: the receiver's declared type, a
/// static receiver class, or the root of a builder chain.
fn sdk_class(cx: &Cx<'_>, n: Node<'_>, env: &Env, rtype: &str) -> Option<String> {
    let obj = n.child_by_field_name("object")?;
    let root = match obj.kind() {
        "method_invocation" => chain(n).1?,
        _ => obj,
    };
    let by_type = |t: &str| cx.imports.get(t).cloned();
    if root.kind() == "identifier" {
        let t = cx.text(root);
        if t.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            if let Some(q) = by_type(t) {
                return Some(q);
            }
        }
    }
    let ty = if root == obj {
        rtype.to_string()
    } else {
        receiver_type(cx, root, env).unwrap_or_default()
    };
    (!ty.is_empty()).then(|| by_type(&ty)).flatten()
}

/// A setter or value that configures an SDK client (`setAppId`, `secret`,
/// `alipayPublicCertContent`, `setSignName`…): credentials of the
/// organisation's account with the vendor, not PI sent to it.
fn sdk_config(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [
        "appid", "secret", "token", "key", "cert", "endpoint", "signname", "template", "region",
        "bucket",
    ]
    .iter()
    .any(|w| l.contains(w))
}

fn read_class(cx: &mut Cx<'_>, n: Node<'_>, out: &mut FlowFacts) {
    let Some(name) = n
        .child_by_field_name("name")
        .map(|x| cx.text(x).to_string())
    else {
        return;
    };
    let anns = cx.annotations(n);
    let is = |names: &[&str]| anns.iter().any(|(a, _)| names.contains(&a.as_str()));
    let rest = is(&["RestController"]) || (is(&["Controller"]) && is(&["ResponseBody"]));
    let controller = rest || is(&["Controller"]);
    // `@OperateLog` on the controller class logs every handler of it.
    let class_audited = is(AUDIT_ANNOTATIONS);
    // A permission or role demanded on the class covers every handler.
    let class_staff = staff_check(&anns);
    // `@FeignClient(name = "svc", path = "sys/driver")` without `url`: the
    // interface calls a service of the same deployment at these paths.
    let service_base = anns
        .iter()
        .find(|(a, t)| a == "FeignClient" && !t.contains("url"))
        .map(|(_, t)| {
            let attr = t
                .split_once("path")
                .and_then(|(_, rest)| rest.trim_start().strip_prefix('='))
                .and_then(|rest| rest.split('"').nth(1))
                .unwrap_or("");
            join_paths(&mapping_path(&anns).unwrap_or_default(), attr)
        });
    // The class's request path prefix (`@RequestMapping("/user")`).
    let base = mapping_path(&anns).unwrap_or_default();
    let mut supertypes = Vec::new();
    for f in ["superclass", "interfaces"] {
        if let Some(s) = n.child_by_field_name(f) {
            let t = cx.text(s);
            for w in t.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    supertypes.push(w.to_string());
                }
            }
        }
    }
    let http_client = anns
        .iter()
        .find(|(a, _)| matches!(a.as_str(), "FeignClient" | "BaseRequest" | "Address"))
        .map(|(a, text)| {
            let url = text
                .split('"')
                .skip(1)
                .step_by(2)
                .find(|s| s.contains("://") || s.starts_with("${"));
            let mut t = Target {
                vendor: if a == "FeignClient" {
                    "feign".into()
                } else {
                    "forest".into()
                },
                ..Target::default()
            };
            if let Some(u) = url {
                if u.starts_with("${") {
                    t.config_key = Some(u.to_string());
                } else {
                    t.scheme = u.split("://").next().map(str::to_ascii_lowercase);
                    t.host = host_of(u);
                }
            }
            t.name = t
                .host
                .clone()
                .or_else(|| t.config_key.clone())
                .unwrap_or_default();
            t
        })
        // Without `url`, a Feign client calls a service of the same
        // deployment by its discovery name: not an outside recipient.
        .filter(|t| !t.name.is_empty());
    let Some(body) = n.child_by_field_name("body") else {
        return;
    };
    // Fields, constants and `@Value` keys first: methods read them.
    let saved = (
        std::mem::take(&mut cx.constants),
        std::mem::take(&mut cx.config_keys),
        std::mem::take(&mut cx.field_types),
    );
    let mut fields = Vec::new();
    // `@JsonIgnoreProperties({"password", "salt"})` on the class: those
    // properties are never serialised, like a field's `@JsonIgnore`.
    let ignored: Vec<&str> = anns
        .iter()
        .filter(|(a, _)| a == "JsonIgnoreProperties")
        .flat_map(|(_, t)| t.split('"').skip(1).step_by(2))
        .collect();
    let mut c = body.walk();
    let members: Vec<Node<'_>> = body.named_children(&mut c).collect();
    for m in &members {
        if m.kind() != "field_declaration" {
            continue;
        }
        let ty = m
            .child_by_field_name("type")
            .map(|t| cx.text(t).to_string())
            .unwrap_or_default();
        let fanns = cx.annotations(*m);
        let masked = fanns.iter().any(|(a, text)| {
            let l = a.to_ascii_lowercase();
            l.contains("sensitive")
                || l.contains("desensiti")
                || l.contains("mask")
                || l == "jsonignore"
                // Never serialised: fastjson `serialize = false`, Jackson write-only.
                || (a == "JSONField" && {
                    let t: String = text.split_whitespace().collect();
                    t.contains("serialize=false")
                })
                || (a == "JsonProperty" && text.contains("WRITE_ONLY"))
                || (a == "JsonSerialize" && {
                    let t = text.to_ascii_lowercase();
                    t.contains("mask") || t.contains("desensiti") || t.contains("sensitive")
                })
        });
        let is_static = cx
            .text(*m)
            .split('=')
            .next()
            .unwrap_or("")
            .contains("static ");
        let value_key = fanns
            .iter()
            .find(|(a, _)| a == "Value")
            .and_then(|(_, t)| t.split('"').nth(1).map(str::to_string));
        let mut c2 = m.walk();
        for d in m.children_by_field_name("declarator", &mut c2) {
            let Some(fname) = d
                .child_by_field_name("name")
                .map(|x| cx.text(x).to_string())
            else {
                continue;
            };
            if let Some(v) = d.child_by_field_name("value") {
                if let Some(s) = cx.literal(v) {
                    cx.constants.insert(fname.clone(), s);
                }
            }
            if let Some(k) = &value_key {
                cx.config_keys.insert(fname.clone(), k.clone());
            }
            cx.field_types.insert(fname.clone(), ty.clone());
            if !is_static {
                let masked = masked || ignored.contains(&fname.as_str());
                fields.push((fname, simple(&ty), masked));
            }
        }
    }
    if let Some(p) = n.child_by_field_name("parameters") {
        // Record components are its fields.
        let mut c3 = p.walk();
        for f in p.named_children(&mut c3) {
            if let (Some(t), Some(nm)) =
                (f.child_by_field_name("type"), f.child_by_field_name("name"))
            {
                fields.push((cx.text(nm).to_string(), simple(cx.text(t)), false));
            }
        }
    }
    let service_paths = match &service_base {
        Some(b) => members
            .iter()
            .filter(|m| m.kind() == "method_declaration")
            .filter_map(|m| {
                // A bare `@PostMapping` calls the interface's own path.
                let a = cx.annotations(*m);
                a.iter()
                    .any(|(n, _)| MAPPINGS.contains(&n.as_str()))
                    .then(|| mapping_path(&a).unwrap_or_default())
            })
            .map(|p| service_path(&join_paths(b, &p)))
            .collect(),
        None => Vec::new(),
    };
    out.classes.push(ClassInfo {
        name: name.clone(),
        supertypes,
        fields,
        http_client,
        service_paths,
    });
    for m in &members {
        match m.kind() {
            "method_declaration" | "constructor_declaration" => {
                // URL literals held in the method's own locals
                // (`String IP_URL = "https://…"`) name its hosts too.
                // (Most methods have none: the class's constants are only
                // copied aside when there are.)
                let locals = url_locals(cx, *m);
                let class_constants = (!locals.is_empty()).then(|| cx.constants.clone());
                cx.constants.extend(locals);
                if let Some(method) = read_method(
                    cx,
                    *m,
                    &name,
                    controller,
                    rest,
                    &base,
                    (class_audited, class_staff),
                ) {
                    out.methods.push(method);
                }
                if let Some(c) = class_constants {
                    cx.constants = c;
                }
            }
            "class_declaration"
            | "interface_declaration"
            | "record_declaration"
            | "enum_declaration" => read_class(cx, *m, out),
            _ => {}
        }
    }
    (cx.constants, cx.config_keys, cx.field_types) = saved;
}

/// The method's local variables initialised with a URL literal, for the
/// constants [`Cx::url_target`] reads (not nested classes' or lambdas').
fn url_locals(cx: &Cx<'_>, method: Node<'_>) -> Vec<(String, String)> {
    let Some(body) = method.child_by_field_name("body") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for x in own_code(vec![body]) {
        if x.kind() == "local_variable_declaration" {
            let mut c = x.walk();
            for d in x.children_by_field_name("declarator", &mut c) {
                let (Some(nm), Some(v)) = (
                    d.child_by_field_name("name"),
                    d.child_by_field_name("value"),
                ) else {
                    continue;
                };
                if let Some(u) = cx.literal(v).filter(|u| u.contains("://")) {
                    found.push((cx.text(nm).to_string(), u));
                }
            }
        }
    }
    found
}

/// Whether a handler parameter is filled from the request (a query, path,
/// form or body value) rather than by the framework (the servlet request,
/// the session, the authenticated principal, a header such as the token).
fn selects(anns: &[(String, String)], ty: &str) -> bool {
    if anns.iter().any(|(a, _)| {
        matches!(
            a.as_str(),
            "RequestParam" | "PathVariable" | "RequestBody" | "ModelAttribute" | "RequestPart"
        )
    }) {
        return true;
    }
    if anns.iter().any(|(a, _)| {
        matches!(
            a.as_str(),
            "RequestHeader" | "CookieValue" | "RequestAttribute"
        )
    }) {
        return false;
    }
    !matches!(
        simple(ty).as_str(),
        "HttpServletRequest"
            | "HttpServletResponse"
            | "ServletRequest"
            | "ServletResponse"
            | "HttpSession"
            | "Principal"
            | "Authentication"
            | "Model"
            | "ModelMap"
            | "BindingResult"
            | "Locale"
            | "WebRequest"
            | "ServerHttpRequest"
            | "ServerWebExchange"
    )
}

/// Whether a handler returns the caller's own account or session: it reads
/// the current user from the security context or session and takes nothing
/// from the request that could select another record (not a list, page or
/// export), or it is the login endpoint itself, which returns the session
/// of the person who just proved who they are, or it takes no input at all
/// and returns one object (`R<UserVO> get()`): with nothing from the request
/// to choose a record by, the only person it can describe is the caller
/// (a profile read through a service that looks up the session itself).
/// A person reading their own data is access by the data subject
/// (PIPL Art. 45), not an exposure.
fn own_session(cx: &Cx<'_>, n: Node<'_>, path: &str, selects_record: bool, arity: usize) -> bool {
    type Res = (
        regex::Regex,
        regex::Regex,
        regex::Regex,
        regex::Regex,
        regex::Regex,
    );
    static P: OnceLock<Res> = OnceLock::new();
    let (login, current, bulk, many, raw) = P.get_or_init(|| {
        (
            regex::Regex::new(r"(?i)^(log|sign)[-_]?(in|on)$").expect("login"),
            regex::Regex::new(
                r"(?x)
                \b[A-Z]\w*(?:Ctx|Context|ContextHolder|Holder|Util|Utils|Helper)\s*\.\s*
                  get\w*(?:User|Admin|Member|Employee|Account|Login|Principal)\w*\s*\(
                | \bStpUtil\s*\.\s*getLogin\w*\s*\(
                | \bgetSession\s*\(\s*\)\s*\.\s*getAttribute\s*\(
                | \b\w*FromSession\w*\s*\(
                | \bgetCurrent(?:User|Admin|Member|Employee|Account)\w*\s*\(
                | \bgetLogin(?:User|Admin|Member|Employee|Account|Info)\w*\s*\(",
            )
            .expect("current user"),
            regex::Regex::new(r"(?i)list|page|query|search|export|all|batch").expect("bulk"),
            // A returned collection or page (`List<T>`, `R<PageResponse<T>>`,
            // `T[]`, a raw `PageInfo`): records of several people.
            regex::Regex::new(
                r"(?xi)
                \[\]
                | \b\w*(?:List|Set|Collection|Iterable|Page|Pagination|Map|Stream|Flux)\w*\s*<
                | \w*(?:List|Page)\w*\s*>?$",
            )
            .expect("many"),
            // A value read from the raw request, directly or through a base
            // controller's helper (`getValStringRequired("id")`).
            regex::Regex::new(
                r"getParameter|\bgetVal\w*\s*\(|\bget(?:Req|Request)\w*Param\w*\s*\(|getInputStream|getReader",
            )
            .expect("raw"),
        )
    });
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if login.is_match(last) {
        return true;
    }
    let name = cx.field_text(n, "name");
    if selects_record || bulk.is_match(last) || bulk.is_match(name) {
        return false;
    }
    let body = cx.field_text(n, "body");
    if current.is_match(body) {
        return true;
    }
    // No parameter, no path variable, no parameter read from the raw
    // request, and a single object rather than a collection or page.
    let returned = cx.field_text(n, "type");
    arity == 0 && !path.contains('{') && !raw.is_match(body) && !many.is_match(returned)
}

/// The string literals of a method that read as property names or paths
/// (`"name"`, `"userType.userTypeName"` → `userType`): candidates for an
/// export's column list. Labels, formats and messages (spaces, CJK, symbols)
/// are not.
fn property_literals(text: &str) -> Vec<String> {
    static P: OnceLock<regex::Regex> = OnceLock::new();
    let re = P.get_or_init(|| {
        regex::Regex::new(r#""([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*""#)
            .expect("property literal")
    });
    let mut out: Vec<String> = re.captures_iter(text).map(|c| c[1].to_string()).collect();
    out.sort();
    out.dedup();
    out
}

/// Properties a handler clears before it returns (`user.setPassword(null)`,
/// `vo.setSalt("")`): they are not in the response whatever the type says.
fn cleared_properties(text: &str) -> Vec<String> {
    static P: OnceLock<regex::Regex> = OnceLock::new();
    let re = P.get_or_init(|| {
        regex::Regex::new(r#"\.\s*set([A-Z]\w*)\s*\(\s*(?:null|""|\(\w+\)\s*null)\s*\)"#)
            .expect("setter")
    });
    let mut out: Vec<String> = re
        .captures_iter(text)
        .map(|c| {
            let p = &c[1];
            let mut ch = p.chars();
            let first = ch
                .next()
                .map(|f| f.to_ascii_lowercase())
                .unwrap_or_default();
            format!("{first}{}", ch.as_str())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The nodes below `roots` whose code runs where they stand: not inside
/// nested classes or lambdas (those nodes themselves are listed, their
/// bodies are not). Iterative, as a hostile file nests deeper than a stack.
fn own_code(roots: Vec<Node<'_>>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = roots;
    while let Some(x) = stack.pop() {
        out.push(x);
        if matches!(x.kind(), "class_body" | "lambda_expression") {
            continue;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    out
}

fn read_method(
    cx: &Cx<'_>,
    n: Node<'_>,
    class: &str,
    controller: bool,
    rest: bool,
    base: &str,
    (class_audited, class_staff): (bool, bool),
) -> Option<Method> {
    let name_node = n.child_by_field_name("name")?;
    let name = cx.text(name_node).to_string();
    let anns = cx.annotations(n);
    let is = |names: &[&str]| anns.iter().any(|(a, _)| names.contains(&a.as_str()));
    let handler = controller && is(MAPPINGS) && (rest || is(&["ResponseBody"]));
    let mut env = Env {
        vals: HashMap::new(),
        types: HashMap::new(),
        hits: Vec::new(),
        calls: Vec::new(),
        scope: format!("{class}.{name}"),
        audited: class_audited || is(AUDIT_ANNOTATIONS),
        http_vars: HashMap::new(),
        returns: Vec::new(),
        columns: property_literals(cx.text(n)),
    };
    let mut arity = 0;
    // A parameter the request fills (a query, path or body value): the
    // handler may return another person's record.
    let mut selects_record = false;
    if let Some(ps) = n.child_by_field_name("parameters") {
        let mut c = ps.walk();
        for (i, p) in ps
            .named_children(&mut c)
            .filter(|p| matches!(p.kind(), "formal_parameter" | "spread_parameter"))
            .enumerate()
        {
            arity += 1;
            let ty = p
                .child_by_field_name("type")
                .map(|t| cx.text(t).to_string())
                .unwrap_or_default();
            let pname = p
                .child_by_field_name("name")
                .map(|x| cx.text(x).to_string())
                .or_else(|| {
                    let mut c2 = p.walk();
                    let last = p.named_children(&mut c2).last();
                    last.and_then(|d| d.child_by_field_name("name"))
                        .map(|x| cx.text(x).to_string())
                })
                .unwrap_or_default();
            let panns = cx.annotations(p);
            if selects(&panns, &ty) {
                selects_record = true;
            }
            // `@RequestParam("mobile") String m`: the request names it.
            let request_name = panns
                .iter()
                .find(|(a, _)| matches!(a.as_str(), "RequestParam" | "PathVariable"))
                .and_then(|(_, t)| t.split('"').nth(1).map(str::to_string));
            let mut v = match carried_type(&ty) {
                Some(t) => Val::object(&pname, &t),
                None => Val::named(request_name.as_deref().unwrap_or(&pname)),
            };
            v.param = Some(i);
            let mut vals = vec![v];
            // A body read as a record, map or text (not `@RequestBody Long id`).
            let record = carried_type(&ty).is_some()
                || ["Map", "JSONObject", "String", "JsonNode", "Object"]
                    .iter()
                    .any(|t| simple(&ty) == *t);
            if handler && record && panns.iter().any(|(a, _)| a == "RequestBody") {
                let mut b = Val::named("<request_body>");
                b.whole = true;
                b.param = Some(i);
                vals.push(b);
            }
            env.vals.insert(pname.clone(), vals);
            env.types.insert(pname, ty);
        }
    }
    let line = row(name_node);
    if let Some(body) = n.child_by_field_name("body") {
        walk(cx, body, &mut env);
    }
    if handler {
        let declared = n
            .child_by_field_name("type")
            .map(|t| cx.text(t))
            .and_then(carried_type);
        let mut vals: Vec<Val> = Vec::new();
        if let Some(t) = declared {
            push_unique(&mut vals, Val::object("<return>", &t));
        }
        for v in std::mem::take(&mut env.returns) {
            if v.whole && v.ty.is_some() && v.transform == Transform::Copy {
                push_unique(&mut vals, v);
            }
        }
        if !vals.is_empty() {
            let path = join_paths(base, &mapping_path(&anns).unwrap_or_default());
            env.hits.push(Hit {
                kind: SinkKind::Response,
                target: Target {
                    name: format!("{class}.{name}"),
                    vendor: "spring-mvc".into(),
                    path: Some(path.clone()),
                    ..Target::default()
                },
                level: None,
                vals,
                chain: vec![env.scope.clone()],
                hops: vec![Location::line(cx.file, line)],
                audited: env.audited,
                own: own_session(cx, n, &path, selects_record, arity),
                staff: class_staff || staff_check(&anns),
                cleared: cleared_properties(cx.text(n)),
                columns: Vec::new(),
            });
        }
    }
    Some(Method {
        class: class.to_string(),
        name,
        arity,
        hits: env.hits,
        calls: env.calls,
        audited: env.audited,
    })
}

/// Walks statements in order, evaluating expressions for their effects.
fn walk(cx: &Cx<'_>, n: Node<'_>, env: &mut Env) {
    match n.kind() {
        "local_variable_declaration" => {
            let ty = n
                .child_by_field_name("type")
                .map(|t| cx.text(t).to_string())
                .unwrap_or_default();
            let mut c = n.walk();
            let decls: Vec<Node<'_>> = n.children_by_field_name("declarator", &mut c).collect();
            for d in decls {
                let Some(name) = d
                    .child_by_field_name("name")
                    .map(|x| cx.text(x).to_string())
                else {
                    continue;
                };
                let mut vals = match d.child_by_field_name("value") {
                    Some(v) => {
                        if let Some(t) = http_creation(cx, v, env) {
                            env.http_vars.insert(name.clone(), t);
                        }
                        if let Some(t) = connection_of(cx, v, env) {
                            env.http_vars.insert(name.clone(), t);
                        }
                        let mut vals = eval(cx, v, env);
                        // Into text or rows, not into another record type
                        // (a VO has its own fields).
                        if vals.is_empty() && carried_type(&ty).is_none() {
                            vals = converted(cx, v, env);
                        }
                        vals
                    }
                    None => Vec::new(),
                };
                if vals.is_empty() {
                    vals.push(match carried_type(&ty) {
                        Some(t) => Val::object(&name, &t),
                        None => Val::named(&name),
                    });
                } else if let Some(t) = carried_type(&ty) {
                    if !vals.iter().any(|v| v.whole && v.ty.as_deref() == Some(&t)) {
                        push_unique(&mut vals, Val::object(&name, &t));
                    }
                }
                env.types.insert(name.clone(), ty.clone());
                env.vals.insert(name, vals);
            }
        }
        "enhanced_for_statement" => {
            let ty = n
                .child_by_field_name("type")
                .map(|t| cx.text(t).to_string())
                .unwrap_or_default();
            let vals = n
                .child_by_field_name("value")
                .map(|v| eval(cx, v, env))
                .unwrap_or_default();
            if let Some(name) = n
                .child_by_field_name("name")
                .map(|x| cx.text(x).to_string())
            {
                let mut vals = vals;
                if let Some(t) = carried_type(&ty) {
                    push_unique(&mut vals, Val::object(&name, &t));
                }
                env.types.insert(name.clone(), ty);
                env.vals.insert(name, vals);
            }
            if let Some(b) = n.child_by_field_name("body") {
                walk(cx, b, env);
            }
        }
        "return_statement" => {
            if let Some(e) = n.named_child(0) {
                let vals = eval(cx, e, env);
                let mut typed = Vec::new();
                collect_typed(cx, e, env, &mut typed);
                for v in vals.into_iter().chain(typed) {
                    push_unique(&mut env.returns, v);
                }
            }
        }
        "expression_statement" => {
            if let Some(e) = n.named_child(0) {
                eval(cx, e, env);
            }
        }
        "class_body" | "class_declaration" | "lambda_expression" => {}
        _ => {
            let mut c = n.walk();
            let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
            for k in kids {
                if k.kind().ends_with("expression") || k.kind() == "method_invocation" {
                    eval(cx, k, env);
                } else {
                    walk(cx, k, env);
                }
            }
        }
    }
}

/// Typed objects named anywhere in a returned expression
/// (`return R.ok(getDataTable(list))`).
fn collect_typed(cx: &Cx<'_>, n: Node<'_>, env: &Env, out: &mut Vec<Val>) {
    if n.kind() == "identifier" {
        if let Some(vs) = env.vals.get(cx.text(n)) {
            for v in vs.iter().filter(|v| v.whole && v.ty.is_some()) {
                push_unique(out, v.clone());
            }
        }
        return;
    }
    if n.kind() == "lambda_expression" {
        return;
    }
    // Only what a response wrapper wraps (`R.ok(x)`, `getDataTable(list)`),
    // not the arguments of a service call (`R.ok(service.save(dto))`).
    if n.kind() == "method_invocation" {
        let name = cx.field_text(n, "name");
        let obj = cx.field_text(n, "object");
        let wrapper = WRAPPERS.contains(&simple(obj).as_str())
            || (obj.is_empty() && name.starts_with("get"))
            || matches!(
                name,
                "ok" | "success"
                    | "data"
                    | "setData"
                    | "body"
                    | "of"
                    | "page"
                    | "build"
                    | "put"
                    | "restPage"
            );
        if !wrapper {
            return;
        }
        if let Some(a) = n.child_by_field_name("arguments") {
            collect_typed(cx, a, env, out);
        }
        if let Some(o) = n.child_by_field_name("object") {
            if o.kind() == "method_invocation" {
                collect_typed(cx, o, env, out);
            }
        }
        return;
    }
    let mut c = n.walk();
    for k in n.named_children(&mut c) {
        collect_typed(cx, k, env, out);
    }
}

fn http_creation(cx: &Cx<'_>, n: Node<'_>, env: &Env) -> Option<Target> {
    if n.kind() != "object_creation_expression" {
        return None;
    }
    let ty = simple(cx.text(n.child_by_field_name("type")?));
    let vendor = match ty.as_str() {
        "HttpPost" | "HttpGet" | "HttpPut" | "HttpPatch" | "HttpDelete" | "HttpRequest" => {
            "apache-httpclient"
        }
        // `new URL(u).openConnection()`: `java.net.HttpURLConnection`.
        "URL" => "java-net",
        _ => return None,
    };
    let arg = n.child_by_field_name("arguments")?.named_child(0)?;
    Some(url_or_param(cx, arg, env, vendor))
}

/// `(HttpURLConnection) url.openConnection()`: the connection sends to the
/// URL's target.
fn connection_of(cx: &Cx<'_>, n: Node<'_>, env: &Env) -> Option<Target> {
    let mut cur = n;
    while matches!(cur.kind(), "cast_expression" | "parenthesized_expression") {
        cur = cur
            .child_by_field_name("value")
            .or_else(|| cur.named_child(cur.named_child_count().saturating_sub(1)))?;
    }
    if cur.kind() != "method_invocation"
        || cur.child_by_field_name("name").map(|x| cx.text(x)) != Some("openConnection")
    {
        return None;
    }
    let o = cur.child_by_field_name("object")?;
    match o.kind() {
        "identifier" => env.http_vars.get(cx.text(o)).cloned(),
        _ => http_creation(cx, o, env),
    }
}

/// A local initialised by a conversion helper of the repository
/// (`String q = buildQueryString(params)`, `List<List<String>> rows =
/// exportService.buildUsers(list)`, `toCsvRows(users)`): the result holds
/// what its arguments held. Only for helpers whose name says they build
/// (`build…`) or convert into a request or file part (`to…`/`convert…`/
/// `format…` + `Query`/`Params`/`Rows`/`Csv`/`Data`/`List`/`Body`/`Json`…; not
/// `convertCent2Dollar`); any other call's result is unknown, as before.
fn converted(cx: &Cx<'_>, n: Node<'_>, env: &mut Env) -> Vec<Val> {
    static P: OnceLock<regex::Regex> = OnceLock::new();
    let re = P.get_or_init(|| {
        regex::Regex::new(
            r"^(?:build[A-Z]\w*|(?:to|convert|format|transform|assemble)\w*(?:Query|Params?|Rows?|Csv|Lines?|Data|List|Body|Form|Json)\w*)$",
        )
        .expect("converter")
    });
    if n.kind() != "method_invocation" {
        return Vec::new();
    }
    let name = cx.field_text(n, "name");
    if !re.is_match(name) || name == "toString" {
        return Vec::new();
    }
    union(cx, &args_of(n), env)
}

fn args_of<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    let Some(list) = n.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut c = list.walk();
    list.named_children(&mut c)
        .filter(|a| !a.kind().ends_with("comment"))
        .collect()
}

/// The values an anonymous class's instance initializer (double-brace
/// initialisation) passes to the new object's own methods (`put`, `add`,
/// `set…`: calls without an object or on `this`).
fn initializer_values(cx: &Cx<'_>, n: Node<'_>, env: &mut Env) -> Vec<Val> {
    let mut out = Vec::new();
    let mut c = n.walk();
    let Some(body) = n.named_children(&mut c).find(|k| k.kind() == "class_body") else {
        return out;
    };
    let mut c = body.walk();
    let blocks: Vec<Node<'_>> = body
        .named_children(&mut c)
        .filter(|k| k.kind() == "block")
        .collect();
    for x in own_code(blocks) {
        if x.kind() == "method_invocation"
            && x.child_by_field_name("object")
                .is_none_or(|o| o.kind() == "this")
        {
            for v in union(cx, &args_of(x), env) {
                push_unique(&mut out, v);
            }
        }
    }
    out
}

fn union(cx: &Cx<'_>, nodes: &[Node<'_>], env: &mut Env) -> Vec<Val> {
    let mut out = Vec::new();
    for a in nodes {
        for v in eval(cx, *a, env) {
            push_unique(&mut out, v);
        }
    }
    out
}

/// The calls of a chain `a.b(x).c(y).d()`, innermost first, and its root.
fn chain<'t>(n: Node<'t>) -> (Vec<Node<'t>>, Option<Node<'t>>) {
    let mut calls = vec![n];
    let mut cur = n;
    loop {
        match cur.child_by_field_name("object") {
            Some(o) if o.kind() == "method_invocation" => {
                calls.push(o);
                cur = o;
            }
            o => {
                calls.reverse();
                return (calls, o);
            }
        }
    }
}

fn eval(cx: &Cx<'_>, n: Node<'_>, env: &mut Env) -> Vec<Val> {
    match n.kind() {
        "identifier" => {
            let name = cx.text(n);
            if let Some(v) = env.vals.get(name) {
                return v.clone();
            }
            if name.len() > 1
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                // A constant (`IP_URL`): a literal, not a value that flows.
                return Vec::new();
            }
            if let Some(t) = cx.field_types.get(name) {
                return vec![match carried_type(t) {
                    Some(ty) => Val::object(name, &ty),
                    None => Val::named(name),
                }];
            }
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                vec![Val::named(name)]
            } else {
                Vec::new()
            }
        }
        "field_access" => {
            let (Some(o), Some(f)) = (
                n.child_by_field_name("object"),
                n.child_by_field_name("field"),
            ) else {
                return Vec::new();
            };
            let field = cx.text(f);
            if o.kind() == "this" {
                return env
                    .vals
                    .get(field)
                    .cloned()
                    .unwrap_or_else(|| vec![Val::named(field)]);
            }
            if field.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                return Vec::new();
            }
            let ov = eval(cx, o, env);
            property(cx.text(o), field, &ov)
        }
        "string_literal"
        | "character_literal"
        | "decimal_integer_literal"
        | "true"
        | "false"
        | "null_literal"
        | "text_block" => Vec::new(),
        "class_literal" => {
            let t = n
                .named_child(0)
                .map(|t| simple(cx.text(t)))
                .unwrap_or_default();
            if t.is_empty() {
                Vec::new()
            } else {
                vec![Val::object("<class>", &t)]
            }
        }
        "assignment_expression" => {
            let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return Vec::new();
            };
            if let Some(t) = http_creation(cx, r, env) {
                env.http_vars.insert(cx.text(l).to_string(), t);
            }
            let vals = eval(cx, r, env);
            match l.kind() {
                "identifier" => {
                    env.vals.insert(cx.text(l).to_string(), vals.clone());
                }
                "field_access" => {
                    if let (Some(o), Some(f)) = (
                        l.child_by_field_name("object"),
                        l.child_by_field_name("field"),
                    ) {
                        let key = if o.kind() == "this" {
                            cx.text(f)
                        } else {
                            cx.text(o)
                        };
                        let e = env.vals.entry(key.to_string()).or_default();
                        for v in vals.clone() {
                            push_unique(e, v);
                        }
                    }
                }
                _ => {}
            }
            vals
        }
        "object_creation_expression" => {
            let ty = n
                .child_by_field_name("type")
                .map(|t| simple(cx.text(t)))
                .unwrap_or_default();
            let args = args_of(n);
            let mut vals = union(cx, &args, env);
            // `new HashMap<>() {{ put("ip", ip); }}`: what the anonymous
            // class's initializer puts into the new object is in it.
            for v in initializer_values(cx, n, env) {
                push_unique(&mut vals, v);
            }
            if let Some(t) = carried_type(&ty) {
                if !matches!(
                    t.as_str(),
                    "StringBuilder" | "StringBuffer" | "HashMap" | "ArrayList"
                ) {
                    push_unique(&mut vals, Val::object("<new>", &t));
                }
            }
            vals
        }
        "method_invocation" => invocation(cx, n, env),
        // `(long) joinPoint.getArgs()[1]`: one argument of the intercepted
        // call, of the type the cast names — not the whole argument list.
        "cast_expression" if one_intercepted_arg(cx, n) => {
            let ty = n
                .child_by_field_name("type")
                .map(|t| simple(cx.text(t)))
                .unwrap_or_default();
            match carried_type(&ty) {
                Some(t) if !crate::extract::java::scalar_type(&t) => vec![Val::object("<arg>", &t)],
                // A scalar argument (an id, a flag, a login name) is judged
                // by the name it is logged under (CNPI-023), not as a body.
                _ => Vec::new(),
            }
        }
        "lambda_expression" => {
            if let Some(b) = n.child_by_field_name("body") {
                if b.kind() == "block" {
                    walk(cx, b, env);
                } else {
                    eval(cx, b, env);
                }
            }
            Vec::new()
        }
        "ternary_expression" => {
            let mut out = Vec::new();
            for f in ["consequence", "alternative"] {
                if let Some(x) = n.child_by_field_name(f) {
                    for v in eval(cx, x, env) {
                        push_unique(&mut out, v);
                    }
                }
            }
            out
        }
        "binary_expression" => {
            let op = cx.field_text(n, "operator");
            let mut c = n.walk();
            let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
            let vals = union(cx, &kids, env);
            if op == "+" {
                vals
            } else {
                Vec::new()
            }
        }
        _ => {
            let mut c = n.walk();
            let kids: Vec<Node<'_>> = n.named_children(&mut c).collect();
            union(cx, &kids, env)
        }
    }
}

/// Whether a cast expression reads one argument of an intercepted call by
/// its index (`(String) point.getArgs()[0]`).
fn one_intercepted_arg(cx: &Cx<'_>, cast: Node<'_>) -> bool {
    let Some(v) = cast.child_by_field_name("value") else {
        return false;
    };
    let (Some(arr), Some(idx)) = (
        v.child_by_field_name("array"),
        v.child_by_field_name("index"),
    ) else {
        return false;
    };
    // A map, JSON object or list argument still holds a whole request.
    let ty = cast
        .child_by_field_name("type")
        .map(|t| cx.text(t))
        .unwrap_or_default();
    let base = ty.split('<').next().unwrap_or(ty).trim();
    let container = [
        "Map",
        "HashMap",
        "JSONObject",
        "JsonNode",
        "Object",
        "List",
        "Object[]",
    ]
    .contains(&simple(base).as_str());
    !container
        && v.kind() == "array_access"
        && idx.kind() == "decimal_integer_literal"
        && arr.kind() == "method_invocation"
        && arr
            .child_by_field_name("name")
            .is_some_and(|m| cx.text(m) == "getArgs")
}

/// `owner.prop` / `owner.getProp()`: the property of what `owner` holds.
/// Getters of a response/page wrapper that return what it wraps.
const WRAPPER_CONTENT: &[&str] = &["data", "records", "rows", "list", "content", "items"];

fn property(owner: &str, prop: &str, ov: &[Val]) -> Vec<Val> {
    let typed = ov
        .iter()
        .find(|v| v.whole && v.ty.is_some() && !v.is_body());
    if typed.is_none() && !ov.is_empty() && ov.iter().all(Val::is_body) {
        return ov.to_vec();
    }
    // `page.getRecords()`, `result.getData()` on a value typed by what its
    // wrapper carries (`BaseDto<Page<UserDto>>` is read as `UserDto`): the
    // wrapper's content, i.e. the records themselves.
    if let Some(t) = typed.filter(|_| WRAPPER_CONTENT.contains(&prop)) {
        return vec![t.clone()];
    }
    let owner_name = owner.rsplit('.').next().unwrap_or(owner);
    vec![Val {
        name: prop.to_string(),
        owner: Some(owner_name.to_string()),
        ty: typed.and_then(|v| v.ty.clone()),
        whole: false,
        transform: typed.map_or(Transform::Copy, |v| v.transform),
        param: typed
            .and_then(|v| v.param)
            .or_else(|| ov.first().and_then(|v| v.param)),
        dataset: None,
    }]
}

fn receiver_type(cx: &Cx<'_>, obj: Node<'_>, env: &Env) -> Option<String> {
    let name = match obj.kind() {
        "identifier" => cx.text(obj),
        "field_access" => cx.text(obj.child_by_field_name("field")?),
        _ => return None,
    };
    env.types
        .get(name)
        .or_else(|| cx.field_types.get(name))
        .map(|t| simple(t))
}

fn hit(
    env: &mut Env,
    kind: SinkKind,
    target: Target,
    level: Option<String>,
    vals: Vec<Val>,
    at: Location,
) {
    env.hits.push(Hit {
        kind,
        target,
        level,
        vals,
        chain: vec![env.scope.clone()],
        hops: vec![at],
        audited: env.audited,
        own: false,
        staff: false,
        cleared: Vec::new(),
        columns: if kind == SinkKind::Export {
            env.columns.clone()
        } else {
            Vec::new()
        },
    });
}

fn invocation(cx: &Cx<'_>, n: Node<'_>, env: &mut Env) -> Vec<Val> {
    let name = cx.field_text(n, "name");
    let obj = n.child_by_field_name("object");
    let obj_text = obj.map(|o| cx.text(o)).unwrap_or("");
    let args = args_of(n);
    let at = cx.loc(n);
    let rtype = obj
        .and_then(|o| receiver_type(cx, o, env))
        .unwrap_or_default();
    let robj = obj_text
        .rsplit('.')
        .next()
        .unwrap_or(obj_text)
        .to_ascii_lowercase();
    // Loggers.
    if (is_logger(obj_text) && LOG_LEVELS.contains(&name))
        || (matches!(obj_text, "System.out" | "System.err")
            && matches!(name, "print" | "println" | "printf"))
    {
        let vals = union(cx, &args, env);
        let level = super::java::log_level(n, obj_text, name, cx.src);
        hit(
            env,
            SinkKind::Log,
            Target {
                name: "log".into(),
                vendor: "logger".into(),
                ..Target::default()
            },
            Some(level),
            vals,
            at,
        );
        return Vec::new();
    }
    // Masking, hashing, encryption.
    let util = obj
        .filter(|o| o.kind() == "identifier")
        .map(|o| cx.text(o))
        .filter(|o| o.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    if let Some(t) = mask_transform(name).or_else(|| util.and_then(mask_transform)) {
        let mut vals = union(cx, &args, env);
        if vals.is_empty() {
            if let Some(o) = obj {
                vals = eval(cx, o, env);
            }
        }
        for v in &mut vals {
            v.transform = t;
        }
        return vals;
    }
    if BODY_READS.contains(&name)
        || (name == "getBody" && obj_text.to_ascii_lowercase().contains("request"))
    {
        let mut b = Val::named("<request_body>");
        b.whole = true;
        return vec![b];
    }
    if name == "proceed" && robj.contains("point") {
        let mut b = Val::named("<response_body>");
        b.whole = true;
        return vec![b];
    }
    if matches!(name, "getParameter" | "getHeader") {
        if let Some(k) = args.first().and_then(|a| cx.literal(*a)) {
            return vec![Val::named(&k)];
        }
    }
    // Third-party SDK calls: values passed to a call on an imported class of
    // a catalogued SDK. The call is then handled as usual (a setter still
    // fills its object).
    if !args.is_empty() {
        let sdk = sdk_class(cx, n, env, &rtype)
            .filter(|_| !sdk_config(name))
            .and_then(|class| cx.catalog.sdk_for_import(&class));
        if let Some(sdk) = sdk {
            let mut vals = union(cx, &args, env);
            vals.retain(|v| !sdk_config(&v.name));
            let dup = env
                .hits
                .iter()
                .any(|h| h.kind == SinkKind::Sdk && h.hops.last() == Some(&at) && h.vals == vals);
            if !vals.is_empty() && !dup {
                let t = Target {
                    name: sdk.id.clone(),
                    vendor: sdk.vendor.clone(),
                    ..Target::default()
                };
                hit(env, SinkKind::Sdk, t, None, vals, at.clone());
            }
        }
    }
    // Queue producers.
    let rl = rtype.to_ascii_lowercase();
    let queue_vendor = [
        ("kafka", "kafka"),
        ("rocketmq", "rocketmq"),
        ("rabbit", "rabbitmq"),
        ("amqp", "rabbitmq"),
        ("streambridge", "spring-cloud-stream"),
        ("jms", "jms"),
        ("pulsar", "pulsar"),
    ]
    .iter()
    .find(|(k, _)| robj.contains(k) || rl.contains(k))
    .map(|(_, v)| *v);
    if let (Some(vendor), true) = (queue_vendor, QUEUE_METHODS.contains(&name)) {
        let topic = args.first().and_then(|a| cx.literal(*a));
        let rest: Vec<Node<'_>> = if topic.is_some() {
            args[1..].to_vec()
        } else {
            args.clone()
        };
        let vals = union(cx, &rest, env);
        let t = Target {
            name: topic.unwrap_or_else(|| format!("{vendor}:?")),
            vendor: vendor.into(),
            ..Target::default()
        };
        hit(env, SinkKind::Queue, t, None, vals, at);
        return Vec::new();
    }
    // An export written straight to the HTTP response
    // (`ExportCsvUtil.write(rows, response.getOutputStream())`,
    // `response.getWriter().write(csv)`) by a method or call that says it
    // exports a file: the other arguments are the file's content.
    if let Some(vendor) = stream_export(cx, n, env, name, obj_text) {
        let (calls, _) = chain(n);
        let mut vals = Vec::new();
        for c in &calls {
            let rest: Vec<Node<'_>> = args_of(*c)
                .into_iter()
                .filter(|a| !response_stream(cx, *a, env))
                .collect();
            for v in union(cx, &rest, env) {
                push_unique(&mut vals, v);
            }
        }
        let t = Target {
            name: env.scope.clone(),
            vendor: vendor.into(),
            ..Target::default()
        };
        hit(env, SinkKind::Export, t, None, vals, at);
        return Vec::new();
    }
    // File exports.
    if is_export(name, &robj, &rl, obj_text) {
        let (calls, _) = chain(n);
        let mut vals = Vec::new();
        for c in &calls {
            for v in union(cx, &args_of(*c), env) {
                push_unique(&mut vals, v);
            }
        }
        // `ExcelUtil<User> util = new ExcelUtil<>(User.class)`: the type argument.
        if let Some(o) = obj {
            if o.kind() == "identifier" {
                if let Some(t) = env.types.get(cx.text(o)).and_then(|t| carried_type(t)) {
                    if t != rtype {
                        push_unique(&mut vals, Val::object("<class>", &t));
                    }
                }
                for v in env.vals.get(cx.text(o)).cloned().unwrap_or_default() {
                    if v.name == "<class>" {
                        push_unique(&mut vals, v);
                    }
                }
            }
        }
        let vendor = if obj_text.contains("EasyExcel") || rl.contains("easyexcel") {
            "easyexcel"
        } else if rl.contains("csv") || robj.contains("csv") {
            "csv"
        } else if name == "setCellValue" {
            "poi"
        } else {
            "excel"
        };
        let t = Target {
            name: env.scope.clone(),
            vendor: vendor.into(),
            ..Target::default()
        };
        hit(env, SinkKind::Export, t, None, vals, at);
        return Vec::new();
    }
    // HTTP clients: the outermost call of a chain whose root is a client.
    if let Some(target) = http_sink(cx, n, env, name, &rl) {
        let (calls, root) = chain(n);
        let mut vals = Vec::new();
        if let Some(r) = root {
            if r.kind() == "object_creation_expression" {
                for v in union(cx, &args_of(r), env) {
                    push_unique(&mut vals, v);
                }
            }
        }
        for c in &calls {
            for v in union(cx, &args_of(*c), env) {
                push_unique(&mut vals, v);
            }
        }
        vals.retain(|v| v.name != "<class>");
        hit(env, SinkKind::Http, target, None, vals, at);
        return Vec::new();
    }
    // Apache HttpClient: `post.setEntity(new StringEntity(json))`.
    if name == "setEntity" {
        if let Some(t) = obj.and_then(|o| env.http_vars.get(cx.text(o)).cloned()) {
            let vals = union(cx, &args, env);
            hit(env, SinkKind::Http, t, None, vals, at);
            return Vec::new();
        }
    }
    // `java.net`: `url.openConnection()` on a `new URL(u)` sends the URL, its
    // query string included, to the URL's host; what is then written to the
    // connection's output stream (`conn.getOutputStream().write(b)`) is the
    // request body.
    if name == "openConnection" {
        if let Some(o) = obj {
            let target = match o.kind() {
                "identifier" => env.http_vars.get(cx.text(o)).cloned(),
                _ => http_creation(cx, o, env),
            };
            if let Some(t) = target {
                let mut vals = eval(cx, o, env);
                vals.retain(|v| v.name != "<new>" && v.ty.as_deref() != Some("URL"));
                hit(env, SinkKind::Http, t, None, vals, at);
                return Vec::new();
            }
        }
    }
    if matches!(name, "write" | "writeBytes" | "print" | "println") && !args.is_empty() {
        let (calls, root) = chain(n);
        let stream = calls.iter().any(|c| {
            c.child_by_field_name("name")
                .is_some_and(|x| cx.text(x) == "getOutputStream")
        });
        let conn = root
            .filter(|r| r.kind() == "identifier")
            .and_then(|r| env.http_vars.get(cx.text(r)).cloned());
        if let (true, Some(t)) = (stream, conn) {
            let vals = union(cx, &args, env);
            hit(env, SinkKind::Http, t, None, vals, at);
            return Vec::new();
        }
    }
    // `map.get("phone")`: the value put under that key; `params.get(key)`
    // with a key the code iterates: every value the map or list holds.
    if matches!(name, "get" | "getOrDefault") && matches!(args.len(), 1 | 2) {
        if let Some(held) = obj
            .filter(|o| o.kind() == "identifier")
            .and_then(|o| env.vals.get(cx.text(o)))
        {
            let held: Vec<Val> = held
                .iter()
                .filter(|v| Some(v.name.as_str()) != obj.map(|o| cx.text(o)))
                .cloned()
                .collect();
            match cx.literal(args[0]) {
                Some(k) => {
                    let one: Vec<Val> = held.into_iter().filter(|v| v.name == k).collect();
                    if !one.is_empty() {
                        return one;
                    }
                }
                None if args[0].kind() == "identifier" && !held.is_empty() => return held,
                None => {}
            }
        }
    }
    // Getters.
    if args.is_empty() {
        if let (Some(p), Some(o)) = (getter_property(name), obj) {
            let ov = eval(cx, o, env);
            return property(obj_text, &p, &ov);
        }
    }
    // Setters and builders fill their object.
    if args.len() == 1 {
        if let Some(o) = obj.filter(|o| o.kind() == "identifier") {
            let key = cx.text(o).to_string();
            if (name.starts_with("set") && name.len() > 3)
                || matches!(
                    name,
                    "add" | "addAll" | "append" | "put" | "putAll" | "offer" | "push"
                )
            {
                let vals = union(cx, &args, env);
                let e = env.vals.entry(key).or_default();
                for v in &vals {
                    push_unique(e, v.clone());
                }
                return vals;
            }
        }
    }
    if matches!(name, "put" | "set" | "add") && args.len() == 2 {
        if let Some(o) = obj.filter(|o| o.kind() == "identifier") {
            let vals = union(cx, &args[1..], env);
            // `map.put("phone", x)`: the key names the value.
            let keyed: Vec<Val> = match cx.literal(args[0]) {
                Some(k) if vals.iter().all(|v| !v.whole) && !vals.is_empty() => {
                    let mut v = vals[0].clone();
                    v.name = k;
                    v.owner = None;
                    vec![v]
                }
                _ => vals.clone(),
            };
            let e = env.vals.entry(cx.text(o).to_string()).or_default();
            for v in keyed {
                push_unique(e, v);
            }
            return vals;
        }
    }
    if PASS_THROUGH.contains(&name)
        || obj.is_some_and(|o| o.kind() == "method_invocation" && chain_has_builder(cx, o))
    {
        let own = union(cx, &args, env);
        let mut vals = own.clone();
        if let Some(o) = obj {
            for v in eval(cx, o, env) {
                push_unique(&mut vals, v);
            }
        }
        // `sb.append(a).append(b)`: the builder at the root holds both.
        if matches!(name, "append" | "put" | "add") {
            if let (_, Some(root)) = chain(n) {
                if root.kind() == "identifier" {
                    let e = env.vals.entry(cx.text(root).to_string()).or_default();
                    for v in own {
                        push_unique(e, v);
                    }
                }
            }
        }
        return vals;
    }
    // Anything else may be a method of the repository.
    if let Some(o) = obj {
        eval(cx, o, env);
    }
    let arg_vals: Vec<Vec<Val>> = args.iter().map(|a| eval(cx, *a, env)).collect();
    if arg_vals.iter().any(|v| !v.is_empty()) {
        let urls = args
            .iter()
            .map(|a| {
                let t = url_or_param(cx, *a, env, "");
                (t.resolved() || t.url_param.is_some()).then_some(t)
            })
            .collect();
        env.calls.push(CallSite {
            name: name.to_string(),
            arity: args.len(),
            receiver: Some(rtype).filter(|t| !t.is_empty()),
            args: arg_vals,
            urls,
            location: at,
        });
    }
    Vec::new()
}

/// [`Cx::url_target`], or the parameter the URL comes from.
fn url_or_param(cx: &Cx<'_>, n: Node<'_>, env: &Env, vendor: &str) -> Target {
    let mut t = cx.url_target(n, vendor);
    if !t.resolved() {
        let mut cur = n;
        while cur.kind() == "binary_expression" {
            match cur.child_by_field_name("left") {
                Some(l) => cur = l,
                None => break,
            }
        }
        if cur.kind() == "identifier" {
            let id = cx.text(cur);
            t.url_param = env
                .vals
                .get(id)
                .and_then(|vs| vs.iter().find(|v| v.name == id || v.whole))
                .and_then(|v| v.param);
        }
    }
    t
}

/// `response.getOutputStream()` / `response.getWriter()` of a servlet
/// response (the variable's declared type, or its usual names).
fn response_stream(cx: &Cx<'_>, n: Node<'_>, env: &Env) -> bool {
    if n.kind() != "method_invocation" {
        return false;
    }
    let name = cx.field_text(n, "name");
    if !matches!(name, "getOutputStream" | "getWriter") {
        return false;
    }
    let Some(o) = n.child_by_field_name("object") else {
        return false;
    };
    let ty = receiver_type(cx, o, env).unwrap_or_default();
    ty.ends_with("ServletResponse")
        || (ty.is_empty() && matches!(cx.text(o), "response" | "resp" | "httpServletResponse"))
}

/// A call that writes an export file to the HTTP response: an argument is
/// the response's stream (or the call is `response.getWriter().write(x)`),
/// and the call or the enclosing method (not its class: an export
/// controller has other handlers) names an export or a CSV/Excel file.
fn stream_export(
    cx: &Cx<'_>,
    n: Node<'_>,
    env: &Env,
    name: &str,
    obj_text: &str,
) -> Option<&'static str> {
    static P: OnceLock<regex::Regex> = OnceLock::new();
    let cue = P.get_or_init(|| regex::Regex::new(r"(?i)export|csv|excel|xls").expect("export cue"));
    let args = args_of(n);
    let to_stream = args.iter().any(|a| response_stream(cx, *a, env))
        || (matches!(name, "write" | "print" | "println")
            && n.child_by_field_name("object")
                .is_some_and(|o| response_stream(cx, o, env)));
    if !to_stream {
        return None;
    }
    let method = env.scope.rsplit('.').next().unwrap_or_default();
    let said = format!("{obj_text}.{name} {method}");
    if !cue.is_match(&said) {
        return None;
    }
    Some(if said.to_ascii_lowercase().contains("csv") {
        "csv"
    } else {
        "stream"
    })
}

fn chain_has_builder(cx: &Cx<'_>, n: Node<'_>) -> bool {
    let (calls, _) = chain(n);
    calls.iter().any(|c| {
        c.child_by_field_name("name")
            .is_some_and(|x| cx.text(x) == "builder")
    })
}

fn is_export(name: &str, robj: &str, rtype: &str, obj_text: &str) -> bool {
    if name == "setCellValue" {
        return true;
    }
    let exporter = robj.contains("excel")
        || rtype.contains("excel")
        || rtype.contains("csv")
        || robj.contains("csvprinter")
        || robj.contains("csvwriter")
        || obj_text.contains("EasyExcel");
    exporter
        && matches!(
            name,
            "exportExcel"
                | "exportEasyExcel"
                | "exportExcelWithDict"
                | "export"
                | "doWrite"
                | "write"
                | "writeRow"
                | "writeNext"
                | "writeAll"
                | "printRecord"
                | "printRecords"
                | "importTemplateExcel"
        )
        && name != "importTemplateExcel"
}

fn http_sink(cx: &Cx<'_>, n: Node<'_>, env: &Env, name: &str, rtype: &str) -> Option<Target> {
    // Only the outermost call of a chain is the request.
    if n.parent().is_some_and(|p| {
        p.kind() == "method_invocation" && p.child_by_field_name("object") == Some(n)
    }) {
        return None;
    }
    let (calls, root) = chain(n);
    let root_text = root.map(|r| cx.text(r)).unwrap_or("");
    let root_type = root
        .and_then(|r| receiver_type(cx, r, env))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rt = root_text.to_ascii_lowercase();
    let vendor = if rt.contains("resttemplate")
        || root_type.contains("resttemplate")
        || rtype.contains("resttemplate")
    {
        "resttemplate"
    } else if rt.contains("webclient") || root_type.contains("webclient") {
        "webclient"
    } else if root_text == "HttpUtil" || root_text == "HttpRequest" {
        "hutool"
    } else if rt.contains("request.builder")
        || rt.contains("okhttp")
        || root_type.contains("okhttp")
    {
        "okhttp"
    } else if rt.contains("forest") {
        "forest"
    } else if (rt.ends_with("httputil")
        || rt.ends_with("httputils")
        || rt.contains("httpclientutil"))
        && root.is_some_and(|r| r.kind() == "identifier")
    {
        "http-util"
    } else {
        return None;
    };
    if !calls.iter().any(|c| {
        c.child_by_field_name("name")
            .is_some_and(|x| HTTP_METHODS.contains(&cx.text(x)))
    }) && !HTTP_METHODS.contains(&name)
    {
        return None;
    }
    // `client.newCall(request)` of a `Request` built in this method: the
    // builder chain (`new Request.Builder().url(u).post(b)`) is the sink,
    // with its URL; the call is not a second one.
    let sends_built_request = calls.iter().any(|c| {
        c.child_by_field_name("name")
            .is_some_and(|x| cx.text(x) == "newCall")
            && args_of(*c).first().is_some_and(|a| {
                a.kind() == "identifier"
                    && env
                        .types
                        .get(cx.text(*a))
                        .is_some_and(|t| simple(t) == "Request")
            })
    });
    if sends_built_request {
        return None;
    }
    // The URL: the first argument of the first call naming one, or of the
    // root's constructor.
    let mut candidates: Vec<Node<'_>> = Vec::new();
    if let Some(r) = root.filter(|r| r.kind() == "object_creation_expression") {
        candidates.extend(args_of(r).first().copied());
    }
    for c in &calls {
        let nm = cx.field_text(*c, "name");
        if matches!(nm, "url" | "uri") || HTTP_METHODS.contains(&nm) {
            candidates.extend(args_of(*c).first().copied());
        }
    }
    let mut best: Option<Target> = None;
    for c in candidates {
        let t = url_or_param(cx, c, env, vendor);
        if t.resolved() {
            return Some(t);
        }
        // The first candidate (the root's constructor, `url(u)`, then the
        // call's first argument) names the URL unless a later one is a
        // parameter the callers fill.
        if best
            .as_ref()
            .is_none_or(|b| b.url_param.is_none() && t.url_param.is_some())
        {
            best = Some(t);
        }
    }
    Some(best.unwrap_or_else(|| Target {
        name: cx.unresolved(vendor, None),
        vendor: vendor.into(),
        ..Target::default()
    }))
}

/// Links the files' flow facts: hits through calls of the repository
/// (at most [`MAX_DEPTH`] deep), the datasets typed values belong to, and
/// the endpoints and endpoint flows of the hits.
pub fn link(files: &mut [FileFacts], catalog: &Catalog) {
    resolve_config_urls(files);
    // Class simple name → dataset name (entities: their table; DTOs: the class).
    let mut datasets: HashMap<String, String> = HashMap::new();
    for f in files.iter() {
        for t in &f.java_types {
            if let Some(i) = t.table {
                if let Some(tb) = f.tables.get(i) {
                    datasets
                        .entry(t.name.clone())
                        .or_insert_with(|| tb.name.clone());
                }
            }
        }
        for tb in &f.tables {
            if tb.kind == crate::model::DatasetKind::Api {
                datasets
                    .entry(tb.name.clone())
                    .or_insert_with(|| tb.name.clone());
            }
        }
    }
    // Methods by (name, arity).
    let mut by_sig: HashMap<(&str, usize), Vec<(usize, usize)>> = HashMap::new();
    let mut supers: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut clients: HashMap<&str, &Target> = HashMap::new();
    for (fi, f) in files.iter().enumerate() {
        for c in &f.java_flow.classes {
            supers.insert(&c.name, c.supertypes.iter().map(String::as_str).collect());
            if let Some(t) = &c.http_client {
                clients.insert(&c.name, t);
            }
        }
        for (mi, m) in f.java_flow.methods.iter().enumerate() {
            by_sig
                .entry((m.name.as_str(), m.arity))
                .or_default()
                .push((fi, mi));
        }
    }
    // Summaries: per method, the hits its parameters reach (own first).
    let mut summary: BTreeMap<(usize, usize), Vec<Hit>> = BTreeMap::new();
    for (fi, f) in files.iter().enumerate() {
        for (mi, m) in f.java_flow.methods.iter().enumerate() {
            let mut hits: Vec<Hit> = m
                .hits
                .iter()
                .filter(|h| h.vals.iter().any(|v| v.param.is_some()))
                .cloned()
                .collect();
            // A Feign/Forest interface method sends all its parameters.
            if let Some(t) = clients.get(m.class.as_str()) {
                if m.hits.is_empty() && m.calls.is_empty() {
                    let vals = (0..m.arity)
                        .map(|i| {
                            let mut v = Val::named(&format!("<arg{i}>"));
                            v.whole = true;
                            v.param = Some(i);
                            v
                        })
                        .collect();
                    hits.push(Hit {
                        kind: SinkKind::Http,
                        target: (*t).clone(),
                        level: None,
                        vals,
                        chain: vec![format!("{}.{}", m.class, m.name)],
                        hops: Vec::new(),
                        audited: false,
                        own: false,
                        staff: false,
                        cleared: Vec::new(),
                        columns: Vec::new(),
                    });
                }
            }
            summary.insert((fi, mi), hits);
        }
    }
    let callees = |c: &CallSite, caller: &str| -> Vec<(usize, usize)> {
        let Some(all) = by_sig.get(&(c.name.as_str(), c.arity)) else {
            return Vec::new();
        };
        let fitting: Vec<(usize, usize)> = match &c.receiver {
            Some(r) => all
                .iter()
                .copied()
                .filter(|&(fi, mi)| {
                    let cls = files[fi].java_flow.methods[mi].class.as_str();
                    cls == r || supers.get(cls).is_some_and(|s| s.contains(&r.as_str()))
                })
                .collect(),
            None => {
                // An unqualified call is the caller's own method or an
                // inherited one when the class has it; another class's
                // method of that name only otherwise (a static import).
                let own: Vec<(usize, usize)> = all
                    .iter()
                    .copied()
                    .filter(|&(fi, mi)| {
                        let cls = files[fi].java_flow.methods[mi].class.as_str();
                        cls == caller || supers.get(caller).is_some_and(|s| s.contains(&cls))
                    })
                    .collect();
                if own.is_empty() {
                    all.clone()
                } else {
                    own
                }
            }
        };
        if fitting.len() > MAX_CALLEES {
            Vec::new()
        } else {
            fitting
        }
    };
    let mut derived: BTreeMap<(usize, usize), Vec<Hit>> = BTreeMap::new();
    for _round in 0..MAX_DEPTH {
        let mut added: Vec<((usize, usize), Hit)> = Vec::new();
        for (fi, f) in files.iter().enumerate() {
            for (mi, m) in f.java_flow.methods.iter().enumerate() {
                let have = derived.get(&(fi, mi)).map_or(0, Vec::len);
                if have >= MAX_DERIVED {
                    continue;
                }
                for call in &m.calls {
                    for key in callees(call, m.class.as_str()) {
                        if key == (fi, mi) {
                            continue;
                        }
                        let Some(sinks) = summary.get(&key) else {
                            continue;
                        };
                        // An overload of the caller's own name (`httpGet(u, q)` →
                        // `httpGet(u, q, null)`) is another method, not a cycle.
                        let overload = files[key.0].java_flow.methods[key.1].arity != m.arity;
                        for s in sinks {
                            if s.chain.len() > MAX_DEPTH
                                || (!overload
                                    && s.chain.contains(&format!("{}.{}", m.class, m.name)))
                            {
                                continue;
                            }
                            let vals = substitute(&s.vals, &call.args);
                            if vals.is_empty() {
                                continue;
                            }
                            let mut h = s.clone();
                            h.vals = vals;
                            if let Some(j) = h.target.url_param {
                                if let Some(Some(u)) = call.urls.get(j) {
                                    let vendor = std::mem::take(&mut h.target.vendor);
                                    h.target = u.clone();
                                    h.target.vendor = vendor;
                                    h.target.name = h
                                        .target
                                        .host
                                        .clone()
                                        .or_else(|| h.target.config_key.clone())
                                        .unwrap_or_else(|| format!("{}:?", h.target.vendor));
                                } else {
                                    h.target.url_param = None;
                                }
                            }
                            h.chain.insert(0, format!("{}.{}", m.class, m.name));
                            h.hops.insert(0, call.location.clone());
                            h.audited |= m.audited;
                            added.push(((fi, mi), h));
                        }
                    }
                }
            }
        }
        let mut grew = false;
        for (key, h) in added {
            let list = derived.entry(key).or_default();
            let sum = summary.entry(key).or_default();
            if list.len() < MAX_DERIVED
                && !list.iter().any(|x| x.hops == h.hops && x.vals == h.vals)
            {
                if h.vals.iter().any(|v| v.param.is_some()) {
                    sum.push(h.clone());
                }
                list.push(h);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    // Hits, datasets, endpoints.
    for (fi, f) in files.iter_mut().enumerate() {
        let mut hits: Vec<Hit> = Vec::new();
        for (mi, m) in f.java_flow.methods.iter().enumerate() {
            hits.extend(m.hits.iter().cloned());
            if let Some(d) = derived.get(&(fi, mi)) {
                hits.extend(d.iter().filter(|h| !h.hops.is_empty()).cloned());
            }
        }
        for h in &mut hits {
            for v in &mut h.vals {
                v.dataset = v.ty.as_ref().and_then(|t| datasets.get(t)).cloned();
            }
        }
        for h in &hits {
            let Some(loc) = h.hops.last() else { continue };
            let e = endpoint_of(h, loc, catalog);
            let mut flows = Vec::new();
            let internal = e.host.as_deref().is_some_and(is_private_host);
            if !internal {
                let mut by_table: BTreeMap<&str, (Vec<String>, Transform)> = BTreeMap::new();
                for v in &h.vals {
                    let Some(d) = &v.dataset else { continue };
                    let entry = by_table
                        .entry(d.as_str())
                        .or_insert((Vec::new(), v.transform));
                    if v.whole {
                        entry.0.clear();
                        entry.0.push(String::new());
                    } else if !entry.0.iter().any(|c| c.is_empty() || c == &v.name) {
                        entry.0.push(v.name.clone());
                    }
                }
                for (table, (cols, transform)) in by_table {
                    flows.push(EndpointFlow {
                        table: table.to_string(),
                        columns: cols.into_iter().filter(|c| !c.is_empty()).collect(),
                        endpoint: e.id.clone(),
                        transform,
                        location: loc.clone(),
                    });
                }
            }
            let keep = matches!(h.kind, SinkKind::Http | SinkKind::Queue | SinkKind::Sdk)
                || !flows.is_empty();
            if keep && !f.endpoints.iter().any(|x| x.id == e.id) {
                f.endpoints.push(e);
            }
            f.endpoint_flows.extend(flows);
        }
        f.java_flow.hits = hits;
    }
}

/// The key and default of a `${key}` / `${key:default}` placeholder (the
/// placeholder may be followed by a path: `${sms.url}/send`).
fn placeholder(p: &str) -> Option<(&str, Option<&str>)> {
    let inner = p.trim().strip_prefix("${")?;
    let inner = &inner[..inner.find('}')?];
    Some(match inner.split_once(':') {
        Some((k, d)) => (k.trim(), Some(d.trim())),
        None => (inner.trim(), None),
    })
}

/// Fills the host and scheme of every `${key}` client URL from the Spring
/// config entries of the scan (`FileFacts::config_urls`). A key set in
/// several files or profiles takes the default (unprofiled) entry, else the
/// `prod` one, else the first in file order; a key set nowhere takes the
/// placeholder's URL default (`${geo.url:https://…}`), else stays
/// unresolved (host `None`, named by its key).
fn resolve_config_urls(files: &mut [FileFacts]) {
    use super::catalog::normalise_key;
    use super::spring::{url_parts, ConfigUrl};
    let mut by_key: HashMap<String, &ConfigUrl> = HashMap::new();
    let rank = |c: &ConfigUrl| match c.profile.as_deref() {
        None => 0,
        Some("prod") => 1,
        Some(_) => 2,
    };
    for f in files.iter() {
        for c in &f.config_urls {
            let k = normalise_key(&c.key);
            match by_key.get(&k) {
                Some(old) if rank(old) <= rank(c) => {}
                _ => {
                    by_key.insert(k, c);
                }
            }
        }
    }
    let found: HashMap<String, ConfigUrl> =
        by_key.into_iter().map(|(k, c)| (k, c.clone())).collect();
    let fill = |t: &mut Target| {
        if t.host.is_some() {
            return;
        }
        let Some((key, default)) = t.config_key.as_deref().and_then(placeholder) else {
            return;
        };
        if let Some(c) = found.get(&normalise_key(key)) {
            t.host = Some(c.host.clone());
            t.scheme = Some(c.scheme.clone());
            t.config_at = Some(c.location.clone());
        } else if let Some((scheme, host)) = default.and_then(url_parts) {
            t.host = Some(host);
            t.scheme = Some(scheme);
        } else {
            return;
        }
        t.name = t.host.clone().unwrap_or_default();
    };
    for f in files.iter_mut() {
        let flow = &mut f.java_flow;
        for c in &mut flow.classes {
            if let Some(t) = &mut c.http_client {
                fill(t);
            }
        }
        for m in &mut flow.methods {
            for h in &mut m.hits {
                fill(&mut h.target);
            }
            for call in &mut m.calls {
                for t in call.urls.iter_mut().flatten() {
                    fill(t);
                }
            }
        }
    }
}

/// A callee's values in terms of one call's arguments: a parameter's
/// value is what the caller passes; a property of a parameter is that
/// property of the caller's typed object. Values of the callee's own are
/// dropped (the callee reports them itself).
fn substitute(callee: &[Val], args: &[Vec<Val>]) -> Vec<Val> {
    let mut out = Vec::new();
    for v in callee {
        let Some(j) = v.param else { continue };
        let Some(given) = args.get(j) else { continue };
        let with = |mut x: Val| {
            if v.transform != Transform::Copy {
                x.transform = v.transform;
            }
            x
        };
        if v.whole || v.owner.is_none() {
            for g in given {
                push_unique(&mut out, with(g.clone()));
            }
        } else if given.iter().any(|g| g.whole && g.ty.is_some()) {
            for g in given.iter().filter(|g| g.whole && g.ty.is_some()) {
                let mut x = v.clone();
                x.ty = g.ty.clone();
                x.owner = Some(g.name.clone());
                x.param = g.param;
                x.dataset = None;
                push_unique(&mut out, with(x));
            }
        } else if !given.is_empty() {
            let mut x = v.clone();
            x.param = given.iter().find_map(|g| g.param);
            push_unique(&mut out, x);
        }
    }
    out
}

fn endpoint_of(h: &Hit, loc: &Location, catalog: &Catalog) -> Endpoint {
    if h.kind == SinkKind::Sdk {
        if let Some(s) = catalog.sdk(&h.target.name) {
            return s.library_endpoint(loc.clone());
        }
    }
    let kind = h.kind.endpoint_kind();
    let name = match h.kind {
        SinkKind::Log => h
            .chain
            .last()
            .and_then(|c| c.split('.').next())
            .unwrap_or("log")
            .to_string(),
        _ => h.target.name.clone(),
    };
    let info = h.target.host.as_deref().and_then(|x| catalog.host(x));
    let jurisdiction = info
        .as_ref()
        .map_or("unknown".to_string(), |i| i.jurisdiction.clone());
    let mut e = Endpoint::named(
        kind,
        name,
        info.as_ref()
            .map_or(h.target.vendor.clone(), |i| i.vendor.clone()),
        info.and_then(|i| i.region),
        jurisdiction,
        loc.clone(),
    );
    e.host = h.target.host.clone();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(files: &[(&str, &str)]) -> Vec<FileFacts> {
        let cat = Catalog::embedded();
        let mut out: Vec<FileFacts> = files
            .iter()
            .map(|(f, t)| super::super::java::extract(f, t, &cat))
            .collect();
        super::super::java::inherit(&mut out);
        link(&mut out, &cat);
        out
    }

    #[test]
    fn carried_types_unwrap_wrappers() {
        assert_eq!(carried_type("R<Page<UserVO>>").as_deref(), Some("UserVO"));
        assert_eq!(carried_type("List<String>"), None);
        assert_eq!(carried_type("AjaxResult"), None);
        assert_eq!(carried_type("com.x.User[]").as_deref(), Some("User"));
    }

    #[test]
    fn values_reach_sinks_through_calls() {
        let out = facts(&[
            (
                "A.java",
                r#"@RestController class UserController {
  private UserService userService;
  @GetMapping("/x") public R<UserVO> get(@RequestParam String phone) {
    User u = userService.find(phone);
    userService.notify(u.getMobile());
    return R.ok(u);
  }
}"#,
            ),
            (
                "B.java",
                r#"class UserService {
  private static final String URL = "http://api.example.com/sms?to=";
  void notify(String s) { HttpUtil.get(URL + s); log.info("sent {}", s); }
}"#,
            ),
        ]);
        let a = &out[0].java_flow.hits;
        let http = a
            .iter()
            .find(|h| h.kind == SinkKind::Http)
            .expect("http hit");
        assert_eq!(http.target.host.as_deref(), Some("api.example.com"));
        assert_eq!(http.target.scheme.as_deref(), Some("http"));
        assert_eq!(http.hops.len(), 2);
        assert!(http
            .vals
            .iter()
            .any(|v| v.name == "mobile" && v.ty.as_deref() == Some("User")));
        let resp = a
            .iter()
            .find(|h| h.kind == SinkKind::Response)
            .expect("response");
        assert!(resp.vals.iter().any(|v| v.ty.as_deref() == Some("UserVO")));
        assert!(resp.vals.iter().any(|v| v.ty.as_deref() == Some("User")));
        assert!(out[1].endpoints.iter().any(|e| e.kind == "http_api"));
    }

    /// Double-brace initialisation: what the anonymous class's initializer
    /// puts into the map is in the map passed to the HTTP call; calls on
    /// another object inside it are not. A URL held in a local names the host.
    #[test]
    fn a_double_brace_map_carries_what_its_initializer_puts() {
        let out = facts(&[(
            "A.java",
            "class S { void f(String ip, String name) { String url = \"https://geo.example.com/q\"; HttpUtil.get(url, new HashMap<>() {{ put(\"ip\", ip); other.put(\"n\", name); }}); } }",
        )]);
        let http: Vec<&Hit> = out[0]
            .java_flow
            .hits
            .iter()
            .filter(|h| h.kind == SinkKind::Http)
            .collect();
        assert_eq!(http.len(), 1, "{:?}", out[0].java_flow.hits);
        let names: Vec<&str> = http[0].vals.iter().map(|v| v.name.as_str()).collect();
        assert!(
            names.contains(&"ip") && !names.contains(&"name"),
            "{names:?}"
        );
        // The host is read from the method's own URL local.
        assert_eq!(http[0].target.host.as_deref(), Some("geo.example.com"));
    }

    fn http_hits(out: &[FileFacts]) -> Vec<&Hit> {
        out.iter()
            .flat_map(|f| &f.java_flow.hits)
            .filter(|h| h.kind == SinkKind::Http)
            .collect()
    }

    #[test]
    fn a_map_read_by_an_iterated_key_carries_all_it_holds() {
        // A verification client: name and ID number put in a map, copied into
        // a form by key, posted to a URL held in a field.
        let out = facts(&[(
            "src/main/java/a/VerifyClient.java",
            "class VerifyClient { private String url;
               boolean verify(String name, String idCard) {
                 Map<String, String> params = new HashMap<>();
                 params.put(\"idcard\", idCard); params.put(\"name\", name);
                 FormBody.Builder form = new FormBody.Builder();
                 for (String key : params.keySet()) { form.add(key, params.get(key)); }
                 FormBody body = form.build();
                 Request request = new Request.Builder().url(url).post(body).build();
                 return true; } }",
        )]);
        let http = http_hits(&out);
        assert_eq!(http.len(), 1, "{http:?}");
        let names: Vec<&str> = http[0].vals.iter().map(|v| v.name.as_str()).collect();
        assert!(
            names.contains(&"idcard") && names.contains(&"name"),
            "{names:?}"
        );
        // Unresolved: named by the class and field holding the URL.
        assert_eq!(http[0].target.name, "okhttp:VerifyClient.url");
        assert_eq!(http[0].target.host, None);
        // A literal key reads only what was put under it.
        let out = facts(&[(
            "A.java",
            "class A { void f(String phone, String name) { Map<String, String> m = new HashMap<>(); m.put(\"tel\", phone); m.put(\"n\", name); HttpUtil.get(\"https://x.example.com/q\", m.get(\"tel\")); } }",
        )]);
        let names: Vec<&str> = http_hits(&out)[0]
            .vals
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["tel"]);
    }

    #[test]
    fn a_url_connection_sends_its_query_string_through_helpers() {
        // `new URL(u).openConnection()` in a helper; the query string is
        // built by a conversion helper from the caller's map.
        let out = facts(&[(
            "src/main/java/a/PhoneArea.java",
            "class PhoneArea {
               static String area(String phoneNumber) {
                 String httpUrl = \"http://api.example-area.cn/phone\";
                 Map<String, String> q = new HashMap<>(1);
                 q.put(\"tel\", phoneNumber);
                 return httpGet(httpUrl, q); }
               static String area2(String phoneNumber) { return \"\"; }
               private static String httpGet(String httpUrl, Map<String, String> queryParams) {
                 String queryString = buildQueryString(queryParams);
                 httpUrl = httpUrl + \"?\" + queryString;
                 URL url = new URL(httpUrl);
                 HttpURLConnection c = (HttpURLConnection) url.openConnection();
                 c.connect();
                 return \"\"; } }",
        )]);
        let http = http_hits(&out);
        let traced: Vec<&&Hit> = http
            .iter()
            .filter(|h| h.vals.iter().any(|v| v.name == "tel"))
            .collect();
        assert_eq!(traced.len(), 1, "{http:?}");
        assert_eq!(
            traced[0].target.host.as_deref(),
            Some("api.example-area.cn")
        );
        assert_eq!(traced[0].target.scheme.as_deref(), Some("http"));
        assert_eq!(traced[0].hops.len(), 2);
    }

    #[test]
    fn csv_written_to_the_servlet_response_is_an_export() {
        let out = facts(&[(
            "src/main/java/a/ExportController.java",
            "class ExportController {
               public void exportUsers(String mobile, HttpServletResponse response) {
                 BaseDto<BasePaginationDataDto<UserItemDataDto>> dto = userService.findAll(mobile);
                 List<List<String>> rows = exportService.buildUsers(dto.getData().getRecords());
                 ExportCsvUtil.createCsvOutputStream(CsvHeaderType.Users, rows, response.getOutputStream()); }
               public void ping(HttpServletResponse response) {
                 Result r = service.status();
                 response.getWriter().write(JSON.toJSONString(r)); } }",
        )]);
        let exports: Vec<&Hit> = out[0]
            .java_flow
            .hits
            .iter()
            .filter(|h| h.kind == SinkKind::Export)
            .collect();
        assert_eq!(exports.len(), 1, "{exports:?}");
        assert_eq!(exports[0].target.vendor, "csv");
        assert!(
            exports[0]
                .vals
                .iter()
                .any(|v| v.whole && v.ty.as_deref() == Some("UserItemDataDto")),
            "{:?}",
            exports[0].vals
        );
    }

    #[test]
    fn masked_values_carry_their_transform() {
        let out = facts(&[(
            "A.java",
            "class S { void f(User u) { log.info(\"{}\", DesensitizedUtil.mobilePhone(u.getPhone())); } }",
        )]);
        let h = &out[0].java_flow.hits[0];
        assert_eq!(h.vals[0].transform, Transform::Mask);
    }

    #[test]
    fn sdk_calls_resolve_to_catalogue_sdks_or_drop() {
        let out = facts(&[(
            "A.java",
            "import com.aliyun.dysmsapi20170525.models.SendSmsRequest;\nimport com.acme.sms.AcmeClient;\nclass S { AcmeClient acme;\n void f(String phone) { SendSmsRequest r = new SendSmsRequest(); r.setPhoneNumbers(phone); acme.send(phone); } }",
        )]);
        let sdk: Vec<&Hit> = out[0]
            .java_flow
            .hits
            .iter()
            .filter(|h| h.kind == SinkKind::Sdk)
            .collect();
        assert_eq!(sdk.len(), 1, "{sdk:?}");
        assert_eq!(sdk[0].target.name, "aliyun-sms");
        assert_eq!(sdk[0].vals[0].name, "phone");
        assert!(out[0]
            .endpoints
            .iter()
            .any(|e| e.id == "endpoint:sdk:aliyun-sms" && e.kind == "sdk"));
    }

    fn client_target(configs: &[(&str, &str)], url: &str) -> Target {
        let cat = Catalog::embedded();
        let java = format!(
            "@FeignClient(name = \"geo\", url = \"{url}\")\npublic interface GeoClient {{\n    String lookup(String ip);\n}}\n"
        );
        let mut out = vec![super::super::java::extract("GeoClient.java", &java, &cat)];
        out.extend(
            configs
                .iter()
                .map(|(f, t)| super::super::spring::extract(f, t, &cat)),
        );
        link(&mut out, &cat);
        out[0].java_flow.classes[0].http_client.clone().unwrap()
    }

    #[test]
    fn config_urls_prefer_the_default_profile_then_prod() {
        let dev = (
            "application-dev.yml",
            "geo:\n  url: http://dev.example-geo.cn\n",
        );
        let prod = (
            "application-prod.yml",
            "geo:\n  url: https://prod.example-geo.cn\n",
        );
        let base = (
            "application.yml",
            "geo:\n  url: http://base.example-geo.cn/x?token=abc\n",
        );
        let t = client_target(&[dev, prod, base], "${geo.url}");
        assert_eq!(t.host.as_deref(), Some("base.example-geo.cn"));
        assert_eq!(t.scheme.as_deref(), Some("http"));
        assert_eq!(t.name, "base.example-geo.cn");
        assert_eq!(t.config_at, Some(Location::line("application.yml", 2)));
        let t = client_target(&[dev, prod], "${geo.url}");
        assert_eq!(t.host.as_deref(), Some("prod.example-geo.cn"));
        assert_eq!(t.scheme.as_deref(), Some("https"));
        let t = client_target(&[dev], "${geo.url}");
        assert_eq!(t.host.as_deref(), Some("dev.example-geo.cn"));
        // Relaxed binding: `geo.base-url` sets `${geo.baseUrl}`.
        let t = client_target(
            &[(
                "application.properties",
                "geo.base-url=https://p.example-geo.cn\n",
            )],
            "${geo.baseUrl}/v1",
        );
        assert_eq!(t.host.as_deref(), Some("p.example-geo.cn"));
    }

    #[test]
    fn config_urls_fall_back_to_the_placeholder_default() {
        let t = client_target(&[], "${geo.url:http://d.example-geo.cn/ip}");
        assert_eq!(t.host.as_deref(), Some("d.example-geo.cn"));
        assert_eq!(t.scheme.as_deref(), Some("http"));
        assert_eq!(t.config_at, None);
        let t = client_target(&[], "${geo.url}");
        assert_eq!(t.host, None);
        assert_eq!(t.name, "${geo.url}");
        // Secrets are never kept, even when they look like URLs.
        let cat = Catalog::embedded();
        let f = super::super::spring::extract(
            "application.yml",
            "geo:\n  secret: https://s.example-geo.cn\n  url: https://u.example-geo.cn/a?k=v\n",
            &cat,
        );
        assert_eq!(f.config_urls.len(), 1, "{:?}", f.config_urls);
        assert_eq!(f.config_urls[0].host, "u.example-geo.cn");
    }
}
