#!/usr/bin/env python3
"""Synthetic code estate for piaudit's scaling benchmark.

Writes a repository of `--scale` services. Each service is one unit of about
the same size and shape as a small real business system:

* ``db/schema.sql``   MySQL DDL, 12 tables, Chinese column and table comments
                      (phone, ID card, bank card, address, health, ...);
* ``db/seed.sql``     bulk ``INSERT ... VALUES`` seed data (synthetic values
                      that pass the validators: Luhn card numbers, GB 11643
                      ID check digits, 1[3-9] mobile numbers);
* ``etl/*.sql``       ETL: ``INSERT ... SELECT`` with joins, masking and
                      hashing functions, aggregates, ``CREATE TABLE AS``, and
                      one job reading the *previous* service's tables, so the
                      lineage graph spans services;
* ``config/``         Spring Boot ``application.yml``, a logback XML and a
                      DataX job JSON.

Same seed and scale give byte-identical output, so timings at 1x, 4x and 16x
compare like with like: service k at scale 16 is the same text as service k
at scale 4. Only the standard library is used.

Usage: gen_repo.py --scale N --out DIR [--seed S]
"""

import argparse
import json
import os
import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
CITIES = ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区"]
STREETS = ["建国路", "世纪大道", "天河路", "科技园南路", "文三路", "人民南路"]

# (table suffix, table comment, [(column, type, comment)])
TABLES = [
    ("member", "会员信息表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("username", "varchar(64) NOT NULL", "登录用户名"),
        ("real_name", "varchar(64)", "真实姓名"),
        ("mobile", "varchar(20)", "手机号码"),
        ("id_card_no", "varchar(18)", "身份证号"),
        ("email", "varchar(128)", "电子邮箱"),
        ("gender", "tinyint", "性别 0未知 1男 2女"),
        ("birthday", "date", "出生日期"),
        ("password_hash", "varchar(255)", "登录密码（bcrypt 哈希）"),
        ("status", "tinyint", "状态"),
        ("created_at", "datetime", "创建时间"),
    ]),
    ("address", "收货地址表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("receiver_name", "varchar(64)", "收货人姓名"),
        ("receiver_phone", "varchar(20)", "收货人电话"),
        ("province", "varchar(32)", "省份"),
        ("city", "varchar(32)", "城市"),
        ("detail_address", "varchar(255)", "详细地址"),
        ("is_default", "tinyint", "是否默认"),
    ]),
    ("bank_card", "银行卡绑定表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("card_no", "varchar(32)", "银行卡号"),
        ("card_holder", "varchar(64)", "持卡人姓名"),
        ("bank_name", "varchar(64)", "开户行"),
        ("reserved_mobile", "varchar(20)", "银行预留手机号"),
    ]),
    ("order", "订单表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("order_no", "varchar(32)", "订单编号"),
        ("member_id", "bigint", "会员ID"),
        ("address_id", "bigint", "收货地址ID"),
        ("amount", "decimal(12,2)", "订单金额"),
        ("pay_status", "tinyint", "支付状态"),
        ("remark", "varchar(255)", "买家备注"),
        ("created_at", "datetime", "下单时间"),
    ]),
    ("health_record", "健康档案表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("diagnosis", "varchar(255)", "诊断结果"),
        ("allergy", "varchar(255)", "过敏史"),
        ("blood_type", "varchar(8)", "血型"),
        ("visit_date", "date", "就诊日期"),
    ]),
    ("login_log", "登录日志表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("login_ip", "varchar(64)", "登录IP"),
        ("device_id", "varchar(64)", "设备标识"),
        ("longitude", "decimal(10,6)", "经度"),
        ("latitude", "decimal(10,6)", "纬度"),
        ("login_time", "datetime", "登录时间"),
    ]),
    ("employee", "员工表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("emp_name", "varchar(64)", "员工姓名"),
        ("work_phone", "varchar(20)", "工作电话"),
        ("salary", "decimal(12,2)", "月薪"),
        ("dept", "varchar(64)", "部门"),
        ("entry_date", "date", "入职日期"),
    ]),
    ("coupon", "优惠券表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("code", "varchar(32)", "券码"),
        ("amount", "decimal(8,2)", "面额"),
        ("valid_until", "datetime", "有效期至"),
    ]),
    ("product", "商品表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("title", "varchar(255)", "商品标题"),
        ("price", "decimal(12,2)", "价格"),
        ("stock", "int", "库存"),
        ("category_id", "bigint", "类目ID"),
    ]),
    ("child_profile", "儿童档案表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("guardian_id", "bigint", "监护人会员ID"),
        ("child_name", "varchar(64)", "儿童姓名"),
        ("child_birthday", "date", "儿童出生日期"),
        ("school", "varchar(128)", "就读学校"),
    ]),
    ("feedback", "用户反馈表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("contact", "varchar(64)", "联系方式"),
        ("content", "text", "反馈内容"),
        ("created_at", "datetime", "提交时间"),
    ]),
    ("face_auth", "人脸认证记录表", [
        ("id", "bigint NOT NULL AUTO_INCREMENT", "主键"),
        ("member_id", "bigint", "会员ID"),
        ("face_feature", "blob", "人脸特征值"),
        ("auth_result", "tinyint", "认证结果"),
        ("auth_time", "datetime", "认证时间"),
    ]),
]

SEED_ROWS = {"member": 400, "address": 400, "bank_card": 200, "order": 600, "login_log": 600, "employee": 100}


def luhn_complete(prefix):
    digits = [int(c) for c in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def id_card(rng):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = "110105%04d%02d%02d%03d" % (rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999))
    s = sum(int(c) * w for c, w in zip(body, weights))
    return body + "10X98765432"[s % 11]


def mobile(rng):
    return "1%d%09d" % (rng.choice([3, 5, 7, 8, 9]), rng.randint(0, 999999999))


def name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def q(s):
    return "'" + s.replace("'", "''") + "'"


def schema_sql(p):
    out = ["-- 服务 %s 的数据库结构 / schema of service %s" % (p, p), "SET NAMES utf8mb4;", ""]
    for suffix, comment, cols in TABLES:
        t = "%s_%s" % (p, suffix)
        out.append("DROP TABLE IF EXISTS `%s`;" % t)
        out.append("CREATE TABLE `%s` (" % t)
        for c, ty, cc in cols:
            out.append("  `%s` %s COMMENT %s," % (c, ty, q(cc)))
        out.append("  PRIMARY KEY (`id`)")
        out.append(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT=%s;" % q(comment))
        out.append("")
    return "\n".join(out) + "\n"


def seed_row(suffix, i, rng):
    if suffix == "member":
        return [str(i), q("user%05d" % i), q(name(rng)), q(mobile(rng)), q(id_card(rng)),
                q("user%05d@example.com" % i), str(rng.randint(0, 2)), q("1990-01-%02d" % rng.randint(1, 28)),
                q("$2a$10$" + "%040x" % rng.getrandbits(160)), "1", q("2024-05-01 10:00:00")]
    if suffix == "address":
        return [str(i), str(i), q(name(rng)), q(mobile(rng)), q("广东省"), q("深圳市"),
                q(rng.choice(CITIES) + rng.choice(STREETS) + "%d号" % rng.randint(1, 999)), "1"]
    if suffix == "bank_card":
        return [str(i), str(i), q(luhn_complete("622202%09d" % rng.randint(0, 999999999))), q(name(rng)),
                q("中国工商银行"), q(mobile(rng))]
    if suffix == "order":
        return [str(i), q("SO%012d" % rng.randint(0, 10**12 - 1)), str(rng.randint(1, 400)), str(rng.randint(1, 400)),
                "%d.%02d" % (rng.randint(1, 9999), rng.randint(0, 99)), "1", q("请尽快发货"), q("2024-06-01 12:00:00")]
    if suffix == "login_log":
        return [str(i), str(rng.randint(1, 400)), q("10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))),
                q("dev-%016x" % rng.getrandbits(64)), "%.6f" % rng.uniform(73, 135), "%.6f" % rng.uniform(18, 53),
                q("2024-06-02 08:00:00")]
    if suffix == "employee":
        return [str(i), q(name(rng)), q(mobile(rng)), "%d.00" % rng.randint(5000, 50000), q("研发部"), q("2020-03-01")]
    raise ValueError(suffix)


def seed_sql(p, rng):
    out = ["-- 初始化数据（合成，非真实个人信息）/ synthetic seed data", ""]
    for suffix, _, cols in TABLES:
        n = SEED_ROWS.get(suffix)
        if not n:
            continue
        names = ", ".join("`%s`" % c for c, _, _ in cols)
        out.append("INSERT INTO `%s_%s` (%s) VALUES" % (p, suffix, names))
        rows = ["  (" + ", ".join(seed_row(suffix, i + 1, rng)) + ")" for i in range(n)]
        out.append(",\n".join(rows) + ";")
        out.append("")
    return "\n".join(out) + "\n"


def etl_files(p, prev):
    files = {}
    files["dws_member_profile.sql"] = f"""-- 会员画像宽表（每日调度）
CREATE TABLE IF NOT EXISTS {p}_dws_member_profile (
  member_id bigint COMMENT '会员ID',
  real_name varchar(64) COMMENT '姓名',
  mobile_masked varchar(20) COMMENT '手机号（脱敏）',
  id_card_hash varchar(64) COMMENT '身份证号哈希',
  city varchar(32) COMMENT '常住城市',
  order_cnt int COMMENT '订单数',
  order_amount decimal(14,2) COMMENT '消费总额'
) COMMENT='会员画像';

INSERT INTO {p}_dws_member_profile (member_id, real_name, mobile_masked, id_card_hash, city, order_cnt, order_amount)
SELECT m.id,
       m.real_name,
       CONCAT(LEFT(m.mobile, 3), '****', RIGHT(m.mobile, 4)),
       SHA2(m.id_card_no, 256),
       a.city,
       COUNT(o.id),
       SUM(o.amount)
FROM {p}_member m
LEFT JOIN {p}_address a ON a.member_id = m.id AND a.is_default = 1
LEFT JOIN {p}_order o ON o.member_id = m.id
WHERE m.status = 1
GROUP BY m.id, m.real_name, m.mobile, m.id_card_no, a.city;
"""
    files["ads_marketing_export.sql"] = f"""-- 营销导出：推送给短信平台
CREATE TABLE {p}_ads_sms_target AS
SELECT p.member_id, m.mobile AS phone, p.real_name AS name, p.order_amount
FROM {p}_dws_member_profile p
JOIN {p}_member m ON m.id = p.member_id
WHERE p.order_amount > 1000;

INSERT INTO {p}_ads_risk_list (member_id, card_no, holder, login_ip)
SELECT b.member_id, MD5(b.card_no), b.card_holder, l.login_ip
FROM {p}_bank_card b
JOIN (SELECT member_id, MAX(login_ip) AS login_ip FROM {p}_login_log GROUP BY member_id) l
  ON l.member_id = b.member_id;
"""
    files["ods_sync.sql"] = f"""-- 从上游服务同步会员（跨服务血缘）
INSERT INTO {p}_member (username, real_name, mobile, email)
SELECT u.username, u.real_name, u.mobile, u.email
FROM {prev}_member u
WHERE u.created_at >= '2024-01-01';

UPDATE {p}_address a
SET receiver_phone = (SELECT m.mobile FROM {p}_member m WHERE m.id = a.member_id)
WHERE a.receiver_phone IS NULL;

INSERT INTO {p}_feedback (member_id, contact, content, created_at)
SELECT f.member_id, f.contact, f.content, f.created_at FROM {prev}_feedback f;
"""
    return files


def application_yml(p, idx):
    return f"""# {p} 服务配置
server:
  port: {8000 + idx % 1000}
spring:
  application:
    name: {p}-service
  datasource:
    url: jdbc:mysql://db-{p}.internal:3306/{p}?useUnicode=true&characterEncoding=utf8
    username: {p}_app
    password: ${{DB_PASSWORD}}
  redis:
    host: redis-{p}.internal
    port: 6379
logging:
  level:
    root: INFO
    com.example.{p}: DEBUG
sms:
  provider: aliyun
  endpoint: https://dysmsapi.aliyuncs.com
  sign-name: 示例商城
oss:
  endpoint: https://oss-cn-hangzhou.aliyuncs.com
  bucket: {p}-avatars
"""


def logback_xml(p):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>/var/log/{p}/app.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.TimeBasedRollingPolicy">
      <fileNamePattern>/var/log/{p}/app.%d{{yyyy-MM-dd}}.log</fileNamePattern>
      <maxHistory>180</maxHistory>
    </rollingPolicy>
    <encoder>
      <pattern>%d [%thread] %-5level %logger - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
  </root>
</configuration>
"""


def datax_json(p):
    job = {"job": {"setting": {"speed": {"channel": 2}}, "content": [{
        "reader": {"name": "mysqlreader", "parameter": {
            "username": "reader", "password": "${PASSWORD}",
            "column": ["id", "real_name", "mobile", "id_card_no"],
            "connection": [{"table": [p + "_member"], "jdbcUrl": ["jdbc:mysql://db-%s.internal:3306/%s" % (p, p)]}]}},
        "writer": {"name": "hdfswriter", "parameter": {
            "defaultFS": "hdfs://warehouse:8020", "path": "/ods/%s_member" % p, "fileName": p + "_member",
            "column": [{"name": "id", "type": "bigint"}, {"name": "real_name", "type": "string"},
                       {"name": "mobile", "type": "string"}, {"name": "id_card_no", "type": "string"}],
            "fileType": "orc", "writeMode": "append"}}}]}}
    return json.dumps(job, ensure_ascii=False, indent=2) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, required=True, help="number of services")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()
    total = 0
    nfiles = 0
    for k in range(args.scale):
        p = "svc%03d" % k
        prev = "svc%03d" % (k - 1) if k else "svc_upstream"
        # One generator per service: service k is identical at every scale.
        rng = random.Random("%d/%d" % (args.seed, k))
        files = {
            "db/schema.sql": schema_sql(p),
            "db/seed.sql": seed_sql(p, rng),
            "config/application.yml": application_yml(p, k),
            "config/logback-spring.xml": logback_xml(p),
            "config/datax_%s_member.json" % p: datax_json(p),
        }
        for name, text in etl_files(p, prev).items():
            files["etl/" + name] = text
        for rel, text in files.items():
            path = os.path.join(args.out, p, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = text.encode("utf-8")
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            nfiles += 1
    print("%d files, %d bytes" % (nfiles, total))


if __name__ == "__main__":
    main()
