DROP TABLE locales;
