-- Two built-in tags for the building board (楼栋公示牌, issue 6): the 119 self-management squad
-- (119自治小分队: residents who answer first to a fire or an emergency in their building), and the
-- consent to be listed, name and phone, on the board posted in the stairwell. Nobody is listed
-- without the second tag.
INSERT INTO tag_definitions (community_id, code, name, name_en) VALUES
    (NULL, 'fire_squad_119', '119自治小分队', '119 self-management squad'),
    (NULL, 'board_listed', '同意公示', 'Agreed to be listed on the building board');
