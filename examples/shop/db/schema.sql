-- 示例电商系统（MySQL 8）：会员、收货地址、订单、支付卡、部门与商品。
-- Example shop schema written for piaudit's tests and README.

SET NAMES utf8mb4;

DROP TABLE IF EXISTS `shop_member`;
CREATE TABLE `shop_member` (
  `id` bigint NOT NULL AUTO_INCREMENT COMMENT '会员ID',
  `login_name` varchar(64) NOT NULL COMMENT '登录账号',
  `password` varchar(100) NOT NULL COMMENT '登录密码（bcrypt 哈希）',
  `xm` varchar(50) DEFAULT NULL COMMENT '姓名',
  `sjhm` char(11) DEFAULT NULL COMMENT '手机号码',
  `sfzh` varchar(18) DEFAULT NULL COMMENT '身份证号',
  `email` varchar(100) DEFAULT NULL COMMENT '电子邮箱',
  `gender` tinyint DEFAULT NULL COMMENT '性别：1男 2女',
  `csrq` date DEFAULT NULL COMMENT '出生日期',
  `avatar` varchar(255) DEFAULT NULL COMMENT '头像',
  `register_ip` varchar(64) DEFAULT NULL COMMENT '注册IP地址',
  `level` tinyint NOT NULL DEFAULT 0 COMMENT '会员等级',
  `del_flag` char(1) NOT NULL DEFAULT '0' COMMENT '删除标志',
  `create_time` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '注册时间',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_login_name` (`login_name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='会员信息表';

DROP TABLE IF EXISTS `shop_address`;
CREATE TABLE `shop_address` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `member_id` bigint NOT NULL COMMENT '会员ID',
  `shrxm` varchar(50) NOT NULL COMMENT '收货人姓名',
  `lxdh` varchar(20) NOT NULL COMMENT '联系电话',
  `province` varchar(20) DEFAULT NULL COMMENT '省份',
  `city` varchar(20) DEFAULT NULL COMMENT '城市',
  `shdz` varchar(200) NOT NULL COMMENT '详细收货地址',
  `is_default` tinyint NOT NULL DEFAULT 0 COMMENT '是否默认地址',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='会员收货地址';

DROP TABLE IF EXISTS `shop_order`;
CREATE TABLE `shop_order` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `order_sn` varchar(32) NOT NULL COMMENT '订单编号',
  `member_id` bigint NOT NULL COMMENT '会员ID',
  `total_amount` decimal(10,2) NOT NULL COMMENT '订单金额',
  `receiver_name` varchar(50) NOT NULL COMMENT '收货人姓名',
  `receiver_phone` varchar(20) NOT NULL COMMENT '收货人电话',
  `receiver_address` varchar(255) NOT NULL COMMENT '收货地址',
  `create_time` datetime NOT NULL COMMENT '下单时间',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='订单表';

DROP TABLE IF EXISTS `shop_payment_card`;
CREATE TABLE `shop_payment_card` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `member_id` bigint NOT NULL COMMENT '会员ID',
  `bank_card_no` varchar(128) NOT NULL COMMENT '银行卡号（SM4加密存储）',
  `bank_name` varchar(50) DEFAULT NULL COMMENT '开户银行',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='会员绑定的支付卡';

-- 误报陷阱：部门名称、短信模板、移动端横幅都不是个人信息。
DROP TABLE IF EXISTS `sys_dept`;
CREATE TABLE `sys_dept` (
  `dept_id` bigint NOT NULL AUTO_INCREMENT COMMENT '部门ID',
  `dept_name` varchar(30) DEFAULT '' COMMENT '部门名称',
  `order_num` int DEFAULT 0 COMMENT '显示顺序',
  PRIMARY KEY (`dept_id`)
) ENGINE=InnoDB COMMENT='部门表';

DROP TABLE IF EXISTS `shop_product`;
CREATE TABLE `shop_product` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `product_name` varchar(100) NOT NULL COMMENT '商品名称',
  `price` decimal(10,2) NOT NULL COMMENT '售价',
  `mobile_banner` varchar(255) DEFAULT NULL COMMENT '移动端横幅图片',
  `sms_template_code` varchar(32) DEFAULT NULL COMMENT '到货通知短信模板',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB COMMENT='商品表';

INSERT INTO `sys_dept` (`dept_id`, `dept_name`, `order_num`) VALUES (100, '总公司', 0), (101, '客服部', 1);
