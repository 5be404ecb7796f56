SELECT 'a\'b'; SELECT "c\"d"; SELECT `e``f`; # hash ; comment
SELECT 'é\