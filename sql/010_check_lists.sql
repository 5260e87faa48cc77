-- The status CHECK constraints of the register's point tables, written as comparisons joined by OR
-- instead of IN lists. Same rule, same rows accepted and refused (status is NOT NULL TEXT, the values
-- are TEXT literals compared with the column's affinity and collation either way). Why: SQLite
-- evaluates a CHECK's IN list of three or more constants through a temporary b-tree that it builds
-- again for every execution of every INSERT or UPDATE of the table: about a sixth of the CPU time
-- of `radmap import` (issue 7), and of every edit through the API.
--
-- SQLite has no ALTER for a CHECK; its documented way of changing one without rebuilding the table
-- (lang_altertable.html, "making other kinds of table schema changes") is to edit the table's
-- definition in sqlite_schema. The new text is the old one with the list replaced; a definition
-- that does not contain the list exactly as 001_core.sql wrote it is left as it is. The migration
-- runner then raises the schema cookie by one (SQL cannot add to it), as that procedure requires,
-- so that every connection reloads the definitions.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''operating'',''suspended'',''closed''))',
    'CHECK (status = ''operating'' OR status = ''suspended'' OR status = ''closed'')')
 WHERE type = 'table' AND name = 'facility';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN' || char(10) ||
    '    (''in_use'',''stored'',''disused'',''transferred'',''disposed'',''lost'',''stolen'',''found''))',
    'CHECK (status = ''in_use'' OR status = ''stored'' OR status = ''disused'' OR status = ''transferred'' OR' ||
    ' status = ''disposed'' OR status = ''lost'' OR status = ''stolen'' OR status = ''found'')')
 WHERE type = 'table' AND name = 'source';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN' || char(10) || '    (''in_use'',''stored'',''disused'',''transferred'',''disposed''))',
    'CHECK (status = ''in_use'' OR status = ''stored'' OR status = ''disused'' OR status = ''transferred'' OR' ||
    ' status = ''disposed'')')
 WHERE type = 'table' AND name = 'device';

PRAGMA writable_schema = OFF;
