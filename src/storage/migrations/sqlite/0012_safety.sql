-- Safety inspections (issue 5 §1–5, §7; ADR 0008): checklists as versioned data, the venues they
-- are made in, inspections posted whole from a phone, and the hazards they find, which are work
-- orders of kind 'hazard' followed here from 排查 (found) through 整改 (rectified) to 复查 (signed off).
--
-- Paths (place_path) are the materialised territory paths of ADR 0003, copied so that the scope
-- filter ranges over them; they never change.

-- A checklist. community_id NULL: shipped with Linli (seeded below, changed by administrators);
-- otherwise a community's own. Editing never changes a version: it adds one, and current_version
-- moves to it; inspections keep pointing at the version they were made against.
CREATE TABLE safety_templates (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NULL REFERENCES territory_nodes (id),
    community_path  TEXT    NULL,
    code            TEXT    NOT NULL CHECK (code <> ''),
    kind            TEXT    NOT NULL CHECK (kind IN ('venue_fire', 'rental_building', 'ebike', 'fire_escape', 'gas',
                                                     'other')),
    category_code   TEXT    NOT NULL,
    name_zh         TEXT    NOT NULL CHECK (name_zh <> ''),
    name_en         TEXT    NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    current_version INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX safety_templates_shipped_code_uq ON safety_templates (code) WHERE community_id IS NULL;
CREATE UNIQUE INDEX safety_templates_community_code_uq ON safety_templates (community_id, code)
    WHERE community_id IS NOT NULL;

CREATE TABLE safety_template_versions (
    id              INTEGER PRIMARY KEY,
    template_id     INTEGER NOT NULL REFERENCES safety_templates (id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    name_zh         TEXT    NOT NULL CHECK (name_zh <> ''),
    name_en         TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER NULL REFERENCES users (id),
    created_by_name TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    UNIQUE (template_id, version)
);

-- One check of a version: what to look at, its legal basis or standard, how serious a failure is
-- and how many days the responsible party gets to put it right.
CREATE TABLE safety_template_items (
    id           INTEGER PRIMARY KEY,
    version_id   INTEGER NOT NULL REFERENCES safety_template_versions (id),
    position     INTEGER NOT NULL CHECK (position >= 1),
    text_zh      TEXT    NOT NULL CHECK (text_zh <> ''),
    text_en      TEXT    NOT NULL DEFAULT '',
    basis        TEXT    NOT NULL DEFAULT '',
    severity     TEXT    NOT NULL CHECK (severity IN ('general', 'major')),
    rectify_days INTEGER NOT NULL CHECK (rectify_days BETWEEN 1 AND 365),
    UNIQUE (version_id, position)
);

-- Small merchants and "三小" places (small shops, workshops, entertainment). The owner's phone is
-- kept like residents' phones: sealed (FieldCrypto), a keyed hash for exact search, a masked copy.
CREATE TABLE safety_venues (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL CHECK (name <> ''),
    kind               TEXT    NOT NULL,
    owner_name         TEXT    NOT NULL DEFAULT '',
    owner_phone_enc    TEXT    NULL,
    owner_phone_hash   TEXT    NULL,
    owner_phone_masked TEXT    NULL,
    licence_no         TEXT    NOT NULL DEFAULT '',
    address            TEXT    NOT NULL DEFAULT '',
    place_id           INTEGER NOT NULL REFERENCES territory_nodes (id),
    place_path         TEXT    NOT NULL,
    building_id        INTEGER NULL,
    grid_id            INTEGER NULL,
    community_id       INTEGER NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    last_inspected_at  BIGINT  NULL,
    created_by         INTEGER NULL REFERENCES users (id),
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE INDEX safety_venues_place_idx ON safety_venues (place_path, id);
CREATE INDEX safety_venues_phone_idx ON safety_venues (owner_phone_hash) WHERE owner_phone_hash IS NOT NULL;

-- Photos taken on an inspection, a rectification or a re-inspection: uploaded first (one request
-- each, so a poor signal loses one photo, not the inspection), referred to by id afterwards. Images
-- only, judged by content. The same bytes uploaded twice by one person are one photo. place_path is
-- set when a record first refers to the photo; until then only its uploader sees it.
CREATE TABLE safety_photos (
    id           INTEGER PRIMARY KEY,
    storage_name TEXT    NOT NULL UNIQUE,
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic')),
    size_bytes   BIGINT  NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT    NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES users (id),
    place_path   TEXT    NULL,
    created_at   BIGINT  NOT NULL,
    UNIQUE (uploaded_by, sha256)
);

-- One inspection, posted whole. (inspector_id, client_id) makes a repeated post the same inspection;
-- payload_hash tells a true repeat from a different inspection sent under the same id.
CREATE TABLE safety_inspections (
    id                  INTEGER PRIMARY KEY,
    client_id           TEXT    NOT NULL,
    payload_hash        TEXT    NOT NULL,
    template_id         INTEGER NOT NULL REFERENCES safety_templates (id),
    template_version_id INTEGER NOT NULL REFERENCES safety_template_versions (id),
    template_version    INTEGER NOT NULL,
    kind                TEXT    NOT NULL,
    target_kind         TEXT    NOT NULL CHECK (target_kind IN ('building', 'venue', 'fire_escape')),
    node_id             INTEGER NOT NULL REFERENCES territory_nodes (id),
    venue_id            INTEGER NULL REFERENCES safety_venues (id),
    target_name         TEXT    NOT NULL DEFAULT '',
    place_path          TEXT    NOT NULL,
    building_id         INTEGER NULL,
    grid_id             INTEGER NULL,
    community_id        INTEGER NULL,
    inspector_id        INTEGER NOT NULL REFERENCES users (id),
    inspector_name      TEXT    NOT NULL DEFAULT '',
    inspected_at        BIGINT  NOT NULL,
    recorded_at         BIGINT  NOT NULL,
    note                TEXT    NOT NULL DEFAULT '',
    passed              INTEGER NOT NULL DEFAULT 0,
    failed              INTEGER NOT NULL DEFAULT 0,
    not_applicable      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (inspector_id, client_id)
);
CREATE INDEX safety_inspections_place_idx ON safety_inspections (place_path, inspected_at);
CREATE INDEX safety_inspections_venue_idx ON safety_inspections (venue_id, inspected_at) WHERE venue_id IS NOT NULL;
CREATE INDEX safety_inspections_node_idx ON safety_inspections (node_id, inspected_at);

CREATE TABLE safety_inspection_results (
    id            INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES safety_inspections (id),
    item_id       INTEGER NOT NULL REFERENCES safety_template_items (id),
    result        TEXT    NOT NULL CHECK (result IN ('pass', 'fail', 'na')),
    note          TEXT    NOT NULL DEFAULT '',
    photo_ids     TEXT    NOT NULL DEFAULT '',
    UNIQUE (inspection_id, item_id)
);

-- A hazard: one failed item. Its work order (order_id) is opened right after the inspection commits,
-- under a short claim (order_claim_until) so two requests never open two. The order's state, handler,
-- deadline and escalation are mirrored here in the transaction of every order step (a listener), so
-- ledgers and scope filters read this table alone. pending_due_at / escalate_pending: what a failed
-- re-inspection decided and the order has not taken yet (finished on the next call or at start-up).
CREATE TABLE safety_hazards (
    id                   INTEGER PRIMARY KEY,
    inspection_id        INTEGER NOT NULL REFERENCES safety_inspections (id),
    result_id            INTEGER NOT NULL UNIQUE REFERENCES safety_inspection_results (id),
    item_id              INTEGER NOT NULL REFERENCES safety_template_items (id),
    kind                 TEXT    NOT NULL,
    severity             TEXT    NOT NULL CHECK (severity IN ('general', 'major')),
    item_text            TEXT    NOT NULL DEFAULT '',
    basis                TEXT    NOT NULL DEFAULT '',
    rectify_days         INTEGER NOT NULL CHECK (rectify_days BETWEEN 1 AND 365),
    category_code        TEXT    NOT NULL,
    target_kind          TEXT    NOT NULL,
    target_name          TEXT    NOT NULL DEFAULT '',
    node_id              INTEGER NOT NULL REFERENCES territory_nodes (id),
    venue_id             INTEGER NULL REFERENCES safety_venues (id),
    place_path           TEXT    NOT NULL,
    building_id          INTEGER NULL,
    grid_id              INTEGER NULL,
    community_id         INTEGER NULL,
    responsible_kind     TEXT    NOT NULL CHECK (responsible_kind IN ('owner', 'landlord', 'property_company',
                                                                      'tenant', 'other')),
    responsible_name     TEXT    NOT NULL DEFAULT '',
    responsible_unit_id  INTEGER NULL REFERENCES handling_units (id),
    status               TEXT    NOT NULL CHECK (status IN ('open', 'rectified', 'verified')),
    found_at             BIGINT  NOT NULL,
    found_by             INTEGER NOT NULL REFERENCES users (id),
    due_at               BIGINT  NOT NULL,
    pending_due_at       BIGINT  NULL,
    escalate_pending     BOOLEAN NOT NULL DEFAULT FALSE,
    failed_reinspections INTEGER NOT NULL DEFAULT 0,
    rectified_at         BIGINT  NULL,
    rectified_by         INTEGER NULL,
    rectified_by_name    TEXT    NOT NULL DEFAULT '',
    verified_at          BIGINT  NULL,
    verified_by          INTEGER NULL,
    verified_by_name     TEXT    NOT NULL DEFAULT '',
    order_id             INTEGER NULL UNIQUE REFERENCES orders (id),
    order_claim_until    BIGINT  NULL,
    tracking_code        TEXT    NOT NULL DEFAULT '',
    order_state          TEXT    NOT NULL DEFAULT '',
    escalation_level     INTEGER NOT NULL DEFAULT 0,
    handler_user_id      INTEGER NULL,
    handler_unit_id      INTEGER NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE INDEX safety_hazards_place_idx ON safety_hazards (place_path, id);
CREATE INDEX safety_hazards_inspection_idx ON safety_hazards (inspection_id);
CREATE INDEX safety_hazards_venue_idx ON safety_hazards (venue_id, id) WHERE venue_id IS NOT NULL;
CREATE INDEX safety_hazards_found_idx ON safety_hazards (found_at);
CREATE INDEX safety_hazards_unit_idx ON safety_hazards (handler_unit_id, id) WHERE handler_unit_id IS NOT NULL;
CREATE INDEX safety_hazards_user_idx ON safety_hazards (handler_user_id, id) WHERE handler_user_id IS NOT NULL;
-- What start-up (and the next call on a hazard) may have to finish.
CREATE INDEX safety_hazards_unfinished_idx ON safety_hazards (id)
    WHERE order_id IS NULL OR pending_due_at IS NOT NULL OR escalate_pending = TRUE
       OR (status = 'verified' AND order_state <> 'closed') OR (status = 'open' AND order_state = 'resolved');

-- 整改: what the responsible party or the handler did. 'pending' rows are written before the order's
-- resolve step and become 'applied' in that step's transaction (a pending row whose step failed is
-- never shown); a resolve made through the orders API alone is recorded here as applied too.
CREATE TABLE safety_rectifications (
    id         INTEGER PRIMARY KEY,
    hazard_id  INTEGER NOT NULL REFERENCES safety_hazards (id),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'applied')),
    note       TEXT    NOT NULL DEFAULT '',
    photo_ids  TEXT    NOT NULL DEFAULT '',
    by_user_id INTEGER NULL REFERENCES users (id),
    by_name    TEXT    NOT NULL DEFAULT '',
    at         BIGINT  NOT NULL
);
CREATE INDEX safety_rectifications_hazard_idx ON safety_rectifications (hazard_id, id);

-- 复查: a second visit, by someone other than the person who rectified, with its result and photos.
CREATE TABLE safety_reinspections (
    id           INTEGER PRIMARY KEY,
    hazard_id    INTEGER NOT NULL REFERENCES safety_hazards (id),
    result       TEXT    NOT NULL CHECK (result IN ('pass', 'fail')),
    note         TEXT    NOT NULL DEFAULT '',
    photo_ids    TEXT    NOT NULL DEFAULT '',
    by_user_id   INTEGER NOT NULL REFERENCES users (id),
    by_name      TEXT    NOT NULL DEFAULT '',
    at           BIGINT  NOT NULL,
    new_due_at   BIGINT  NULL,
    escalated    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX safety_reinspections_hazard_idx ON safety_reinspections (hazard_id, id);

-- ---- the shipped checklists (version 1 each), in Chinese with English beside ---------------------
INSERT INTO safety_templates (code, kind, category_code, name_zh, name_en, created_at, updated_at) VALUES
    ('venue_fire_safety', 'venue_fire', 'fire_safety', '“三小”场所消防安全检查',
     'Fire safety of small venues (shops, workshops, entertainment places)', 0, 0),
    ('rental_building', 'rental_building', 'fire_safety', '出租屋安全检查', 'Rental building safety', 0, 0),
    ('ebike_charging', 'ebike', 'ebike_charging', '电动自行车停放充电检查', 'E-bike parking and charging', 0, 0),
    ('fire_escape', 'fire_escape', 'fire_safety', '消防通道检查', 'Fire escapes, exits and fire-engine access', 0, 0),
    ('gas_safety', 'gas', 'fire_safety', '燃气安全检查', 'Gas safety', 0, 0);

INSERT INTO safety_template_versions (template_id, version, name_zh, name_en, note, created_by_name, created_at)
SELECT id, 1, name_zh, name_en, '随系统提供 / shipped with Linli', 'linli', 0 FROM safety_templates
WHERE community_id IS NULL;

INSERT INTO safety_template_items (version_id, position, text_zh, text_en, basis, severity, rectify_days)
SELECT v.id, i.position, i.text_zh, i.text_en, i.basis, i.severity, i.rectify_days
FROM safety_template_versions v
JOIN safety_templates t ON t.id = v.template_id AND t.community_id IS NULL AND v.version = 1
JOIN (
    SELECT 'venue_fire_safety' AS code, 1 AS position,
           '配置灭火器，数量充足、压力正常、在有效期内' AS text_zh,
           'Fire extinguishers present, enough of them, charged and in date' AS text_en,
           '《中华人民共和国消防法》第十六条；GB 50140-2005《建筑灭火器配置设计规范》' AS basis,
           'general' AS severity, 7 AS rectify_days
    UNION ALL SELECT 'venue_fire_safety', 2, '疏散通道、安全出口畅通，未被占用、堵塞或封闭',
           'Escape routes and exits clear: not used for storage, blocked or locked',
           '《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'venue_fire_safety', 3, '无“三合一”（生产、经营、储存与住人在同一空间）',
           'No "three-in-one": nobody sleeps where goods are made, sold or stored',
           '《中华人民共和国消防法》第十九条', 'major', 3
    UNION ALL SELECT 'venue_fire_safety', 4, '电气线路规范敷设，无私拉乱接，未超负荷用电',
           'Wiring properly laid: no improvised cables, no overloaded sockets',
           '《中华人民共和国消防法》第二十七条；GB 50054-2011《低压配电设计规范》', 'general', 3
    UNION ALL SELECT 'venue_fire_safety', 5, '应急照明和疏散指示标志完好有效',
           'Emergency lighting and exit signs present and working',
           'GB 51309-2018《消防应急照明和疏散指示系统技术标准》', 'general', 7
    UNION ALL SELECT 'venue_fire_safety', 6, '门窗未设置影响逃生和灭火救援的障碍物（如封闭式防盗网）',
           'No bars or grilles on doors and windows that stop escape or rescue',
           '《中华人民共和国消防法》第二十八条', 'major', 3
    UNION ALL SELECT 'venue_fire_safety', 7, '使用燃气的场所安装可燃气体报警装置，燃气设施无私自改装',
           'A gas alarm where gas is used; gas fittings not altered without authorisation',
           'GB 50028-2006《城镇燃气设计规范》；《城镇燃气管理条例》第二十八条', 'major', 3
    UNION ALL SELECT 'venue_fire_safety', 8, '场所内无电动自行车停放、充电',
           'No e-bikes parked or charged inside',
           '《高层民用建筑消防安全管理规定》第三十七条；公安部《关于规范电动车停放充电加强火灾防范的通告》',
           'major', 1
    UNION ALL SELECT 'venue_fire_safety', 9, '经营者掌握“一懂三会”（懂火灾危险性，会报警、会扑救初起火灾、会逃生）',
           'The operator knows the fire risks and can raise the alarm, fight a small fire and get out',
           '《机关、团体、企业、事业单位消防安全管理规定》（公安部令第61号）', 'general', 7
    UNION ALL SELECT 'rental_building', 1, '每层或楼梯间配置灭火器且完好有效',
           'Extinguishers on every floor or in the stairwell, in working order',
           '《中华人民共和国消防法》第十六条；GB 50140-2005《建筑灭火器配置设计规范》', 'general', 7
    UNION ALL SELECT 'rental_building', 2, '楼梯间、走道无杂物堆放，安全出口未锁闭',
           'Stairs and corridors free of stored things; exits not locked',
           '《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'rental_building', 3, '以原设计房间为最小出租单位，厨房、卫生间、阳台、地下储藏室不出租住人',
           'Rooms let only as designed; nobody living in kitchens, bathrooms, balconies or basements',
           '《商品房屋租赁管理办法》（住房和城乡建设部令第6号）第八条', 'major', 7
    UNION ALL SELECT 'rental_building', 4, '外窗防盗网设有可从内部开启的逃生口',
           'Window grilles have an escape hatch that opens from inside',
           '《中华人民共和国消防法》第二十八条', 'general', 7
    UNION ALL SELECT 'rental_building', 5, '公共区域电气线路无私拉乱接',
           'No improvised wiring in the common parts',
           '《中华人民共和国消防法》第二十七条', 'general', 3
    UNION ALL SELECT 'rental_building', 6, '安装独立式感烟火灾探测报警器或火灾自动报警设施',
           'Smoke alarms fitted (stand-alone or a fire alarm system)',
           'GB 50116-2013《火灾自动报警系统设计规范》', 'general', 14
    UNION ALL SELECT 'rental_building', 7, '出租人已登记租客信息并签订消防安全责任书',
           'The landlord has registered the tenants and signed the fire safety pledge',
           '《租赁房屋治安管理规定》（公安部令第24号）', 'general', 7
    UNION ALL SELECT 'ebike_charging', 1, '无“飞线充电”（从楼上窗口或室内私拉电线为电动自行车充电）',
           'No "flying-line" charging: no cables run from windows or flats to charge e-bikes',
           '公安部《关于规范电动车停放充电加强火灾防范的通告》', 'major', 1
    UNION ALL SELECT 'ebike_charging', 2, '电动自行车未推入楼道、电梯或住宅内',
           'No e-bikes pushed up the stairs, into lifts or into homes',
           '《高层民用建筑消防安全管理规定》（应急管理部令第5号）第三十七条', 'major', 1
    UNION ALL SELECT 'ebike_charging', 3, '未在楼梯间、疏散通道、安全出口停放或充电',
           'None parked or charged in stairwells, escape routes or exits',
           '《高层民用建筑消防安全管理规定》第三十七条；《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'ebike_charging', 4, '集中停放充电场所独立设置，配备定时断电、过载保护的充电设施',
           'The shared charging point stands on its own, with timed cut-off and overload protection',
           '《高层民用建筑消防安全管理规定》第三十七条', 'general', 14
    UNION ALL SELECT 'ebike_charging', 5, '集中充电场所配置灭火器并与住宅保持安全距离',
           'The shared charging point has extinguishers and keeps a safe distance from homes',
           '《高层民用建筑消防安全管理规定》第三十七条', 'general', 7
    UNION ALL SELECT 'ebike_charging', 6, '电动自行车及蓄电池为合格产品，无私自改装',
           'E-bikes and batteries are certified and not modified',
           'GB 17761-2018《电动自行车安全技术规范》', 'general', 14
    UNION ALL SELECT 'fire_escape', 1, '疏散楼梯、走道无堆放杂物',
           'Escape stairs and corridors clear of stored things',
           '《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'fire_escape', 2, '常闭式防火门保持关闭，闭门器完好',
           'Self-closing fire doors shut, their closers working',
           '《中华人民共和国消防法》第二十八条；GB 50016-2014《建筑设计防火规范》（2018年版）', 'general', 3
    UNION ALL SELECT 'fire_escape', 3, '安全出口未上锁、未封堵',
           'Exits neither locked nor sealed',
           '《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'fire_escape', 4, '消防车通道未被占用或设置障碍',
           'Fire-engine access neither occupied nor obstructed',
           '《中华人民共和国消防法》第二十八条', 'major', 1
    UNION ALL SELECT 'fire_escape', 5, '应急照明、疏散指示标志完好有效',
           'Emergency lighting and exit signs working',
           'GB 51309-2018《消防应急照明和疏散指示系统技术标准》', 'general', 7
    UNION ALL SELECT 'fire_escape', 6, '室内消火栓未被遮挡，箱内配件齐全',
           'Hydrant cabinets unobstructed and complete',
           '《中华人民共和国消防法》第二十八条', 'general', 7
    UNION ALL SELECT 'gas_safety', 1, '燃气管道、阀门、计量表无私自安装、改装、拆除',
           'Gas pipes, valves and meters not installed, altered or removed without authorisation',
           '《城镇燃气管理条例》（国务院令第583号）第二十八条', 'major', 3
    UNION ALL SELECT 'gas_safety', 2, '安装可燃气体报警装置并有效',
           'A gas alarm fitted and working',
           'GB 50028-2006《城镇燃气设计规范》（2020年版）', 'general', 7
    UNION ALL SELECT 'gas_safety', 3, '连接软管无老化、龟裂，长度不超过2米，未穿越墙体',
           'Hoses not perished or cracked, at most 2 m long, not through walls',
           'GB 50494-2009《城镇燃气技术规范》', 'general', 3
    UNION ALL SELECT 'gas_safety', 4, '液化石油气钢瓶不在地下室、半地下室使用或存放',
           'No LPG cylinders used or stored in basements or semi-basements',
           '《城镇燃气管理条例》第二十八条；GB 50028-2006《城镇燃气设计规范》', 'major', 1
    UNION ALL SELECT 'gas_safety', 5, '燃气具为合格产品并带熄火保护装置',
           'Gas appliances certified, with flame-failure devices',
           '《城镇燃气管理条例》第二十八条', 'general', 7
    UNION ALL SELECT 'gas_safety', 6, '用气场所通风良好，未与住人空间混用',
           'Where gas is used is ventilated and is not where people sleep',
           'GB 50028-2006《城镇燃气设计规范》', 'general', 7
) i ON i.code = t.code;
