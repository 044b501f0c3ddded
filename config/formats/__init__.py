"""One date format for the whole workspace (issue 13 §8): every date and time a staff member sees — pages, the
admin — reads 2026-12-02 14:05 (a date alone 2026-12-02), in Asia/Shanghai, in Chinese and in English.
Django reads these through FORMAT_MODULE_PATH (config.formats.<locale>.formats); templates use the named
formats (|date:"DATETIME_FORMAT", |date:"DATE_FORMAT", |time) and Python code `formats.date_format`, never a
pattern of their own. Input formats are Django's, Chinese with 2026-12-02 put first (zh_Hans/formats.py)."""

DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
