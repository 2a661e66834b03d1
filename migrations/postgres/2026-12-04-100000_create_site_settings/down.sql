DROP TABLE site_setting_translations;
DROP TABLE site_settings;
