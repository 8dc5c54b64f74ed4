#!/usr/bin/env python3
"""Times sqllineage and sqlglot on the sqllineage test cases (for bench.sh).

Usage: bench_peers.py {sqllineage|sqlglot} CASES.json [REPS]

Prints one JSON object: cases, reps, seconds, cases_per_s, errors.

* sqllineage: ``LineageRunner(sql, dialect=...)``; table cases ask for
  ``source_tables``/``target_tables``, column cases for
  ``get_column_lineage()`` -- what its own test suite asks for.
* sqlglot: every statement is parsed with the case's dialect; for each
  statement that writes from a query, the query is qualified and
  ``sqlglot.lineage.lineage`` is asked for every output column -- its
  column-lineage API, the work the column cases need. Table cases only
  parse and collect the tables.

Exceptions count as errors and the case still counts as done (the time it
took to fail is part of the run). An untimed warm-up over the first 40 cases comes first.
"""

import json
import logging
import sys
import time
import warnings

warnings.filterwarnings("ignore")
# sqlglot logs every statement it falls back on; the log is not the benchmark.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

# sqllineage/sqlfluff dialect names to sqlglot's.
SQLGLOT_DIALECT = {
    "ansi": None, "sparksql": "spark", "databricks": "databricks", "hive": "hive",
    "tsql": "tsql", "bigquery": "bigquery", "mysql": "mysql", "mariadb": "mysql",
    "postgres": "postgres", "greenplum": "postgres", "materialize": "materialize",
    "snowflake": "snowflake", "redshift": "redshift", "athena": "athena",
    "oracle": "oracle", "teradata": "teradata", "duckdb": "duckdb", "db2": None,
    "vertica": None, "exasol": None,
}


def run_sqllineage(cases):
    from sqllineage.runner import LineageRunner
    errors = 0
    for c in cases:
        try:
            r = LineageRunner(c["sql"], dialect=c["dialect"], silent_mode=True)
            if c["column_lineage"] is None:
                r.source_tables
                r.target_tables
            else:
                r.get_column_lineage(exclude_subquery_columns=True)
        except Exception:
            errors += 1
    return errors


def run_sqlglot(cases):
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage
    errors = 0
    for c in cases:
        dialect = SQLGLOT_DIALECT.get(c["dialect"])
        try:
            statements = sqlglot.parse(c["sql"], read=dialect)
        except Exception:
            errors += 1
            continue
        for st in statements:
            if st is None:
                continue
            try:
                tables = [t.sql() for t in st.find_all(exp.Table)]
                if c["column_lineage"] is None:
                    continue
                query = st.find(exp.Query)
                if query is None:
                    continue
                select = query if isinstance(query, exp.Select) else query.find(exp.Select)
                if select is None:
                    continue
                for col in select.expressions:
                    name = col.alias_or_name
                    if name and name != "*":
                        lineage(name, query, dialect=dialect)
            except Exception:
                errors += 1
        del tables
    return errors


def main():
    tool, path = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    cases = json.load(open(path, encoding="utf-8"))
    run = {"sqllineage": run_sqllineage, "sqlglot": run_sqlglot}[tool]
    run(cases[:40])  # warm-up: imports, dialect tables, caches
    started = time.perf_counter()
    errors = 0
    for _ in range(reps):
        errors = run(cases)
    secs = time.perf_counter() - started
    print(json.dumps({
        "tool": tool, "cases": len(cases), "reps": reps, "seconds": secs,
        "cases_per_s": len(cases) * reps / secs, "errors": errors,
    }))


if __name__ == "__main__":
    main()
