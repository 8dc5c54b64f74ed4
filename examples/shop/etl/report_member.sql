-- 每日会员报表：把会员姓名、手机号、身份证号原样复制进报表库（问题所在）。
INSERT INTO rpt_member_daily (member_id, member_name, mobile, id_card, city)
SELECT m.id, m.xm, m.sjhm, m.sfzh, a.city
FROM shop_member m
LEFT JOIN shop_address a ON a.member_id = m.id AND a.is_default = 1;

-- 营销导出：手机号脱敏、身份证号哈希后再给营销系统。
CREATE TABLE mkt_member_export AS
SELECT id,
       CONCAT(LEFT(sjhm, 3), '****', RIGHT(sjhm, 4)) AS mobile_masked,
       SHA2(sfzh, 256) AS id_card_hash
FROM shop_member;

-- 客服查询视图：收货人联系方式。
CREATE VIEW v_order_contact AS
SELECT o.order_sn, o.receiver_name, o.receiver_phone
FROM shop_order o;
