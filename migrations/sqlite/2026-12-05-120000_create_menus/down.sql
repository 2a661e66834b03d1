DROP TABLE menus;
