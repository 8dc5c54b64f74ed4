//! Canal instance configs (`instance.properties`): the binlog filter names
//! the tables replicated, `canal.mq.topic` where their rows go. Each plain
//! `db.table` in the filter becomes an [`EndpointFlow`] of all its columns.

use super::catalog::{self, Catalog};
use super::text::YamlDoc;
use super::{EndpointFlow, FileFacts};
use crate::model::{Endpoint, Location, Transform};

/// Adds the flows of one Canal instance config, if the document is one.
pub fn read(file: &str, doc: &YamlDoc, catalog: &Catalog, facts: &mut FileFacts) {
    let Some(filter) = doc.get("canal.instance.filter.regex") else {
        return;
    };
    let topic = doc
        .get("canal.mq.topic")
        .map(|e| e.value.trim().to_string())
        .filter(|t| !t.is_empty());
    let servers = doc
        .get("canal.instance.master.address")
        .and_then(|e| catalog::host_of(&e.value));
    let (id, name) = match &topic {
        Some(t) => (format!("endpoint:message_queue:topic:{t}"), t.clone()),
        None => {
            let dest = file.rsplit('/').nth(1).unwrap_or("canal").to_string();
            (format!("endpoint:message_queue:canal:{dest}"), dest)
        }
    };
    let info = servers.as_deref().and_then(|h| catalog.host(h));
    facts.endpoints.push(Endpoint {
        id: id.clone(),
        kind: "message_queue".into(),
        vendor: Some("canal".into()),
        region: info.as_ref().and_then(|i| i.region.clone()),
        jurisdiction: catalog::UNKNOWN.into(),
        location: Location::line(
            file,
            doc.get("canal.mq.topic").map_or(filter.line, |e| e.line),
        ),
        name: Some(name),
        third_party: false,
        profile: None,
        receives: Vec::new(),
        host: None,
        confidence: None,
        role: None,
    });
    for item in filter.value.split(',') {
        let plain = item.trim().replace('\\', "");
        let Some((db, table)) = plain.split_once('.') else {
            continue;
        };
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        };
        if !ident(db) || !ident(table) {
            // A regex such as `.*\\..*` names no single table.
            continue;
        }
        facts.endpoint_flows.push(EndpointFlow {
            table: format!("{db}.{table}"),
            columns: Vec::new(),
            endpoint: id.clone(),
            transform: Transform::Copy,
            location: Location::line(file, filter.line),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::parse_properties;

    #[test]
    fn plain_tables_flow_to_the_topic() {
        let p = "canal.instance.master.address=127.0.0.1:3306\ncanal.instance.filter.regex=shop\\\\.t_user,shop\\\\..*\ncanal.mq.topic=member_sync\n";
        let mut f = FileFacts::default();
        read(
            "canal/shop/instance.properties",
            &YamlDoc {
                entries: parse_properties(p),
                line: 1,
            },
            &Catalog::embedded(),
            &mut f,
        );
        assert_eq!(
            f.endpoints[0].id,
            "endpoint:message_queue:topic:member_sync"
        );
        let tables: Vec<&str> = f.endpoint_flows.iter().map(|x| x.table.as_str()).collect();
        assert_eq!(tables, ["shop.t_user"]);
        assert_eq!(f.endpoint_flows[0].location.line, 2);
    }
}
