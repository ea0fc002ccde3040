-- Whether a monitor may probe internal addresses (loopback, private and link-local networks):
-- off unless the vendor's administrator allowed it for this monitor (issue #14: SSRF).
ALTER TABLE monitors ADD COLUMN allow_internal INTEGER NOT NULL DEFAULT 0;
