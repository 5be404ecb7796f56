SELECT [a;b], "c;""d", 'e;''f';
PRAGMA foreign_keys=OFF;
SELECT 'unterminated "x