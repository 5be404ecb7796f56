//! Statements that change nothing the application reads or writes.

use squawk_syntax::SyntaxKind as K;

/// Statements that do not change what application code can read or write.
pub(super) fn neutral_statement(kind: K) -> Option<&'static str> {
    Some(match kind {
        K::SELECT | K::COMPOUND_SELECT | K::PAREN_SELECT | K::VALUES | K::TABLE | K::SHOW => {
            "select"
        }
        K::COMMENT_ON => "comment",
        K::GRANT | K::REVOKE | K::ALTER_DEFAULT_PRIVILEGES | K::REASSIGN | K::DROP_OWNED => {
            "privileges"
        }
        K::SET
        | K::RESET
        | K::SET_ROLE
        | K::RESET_ROLE
        | K::SET_SESSION_AUTH
        | K::RESET_SESSION_AUTH
        | K::SET_TRANSACTION
        | K::SET_CONSTRAINTS
        | K::DISCARD => "session setting",
        K::BEGIN
        | K::COMMIT_TRANSACTION
        | K::ROLLBACK_TRANSACTION
        | K::SAVEPOINT_CREATE
        | K::RELEASE_SAVEPOINT
        | K::PREPARE_TRANSACTION
        | K::LOCK => "transaction control",
        K::CREATE_EXTENSION | K::DROP_EXTENSION | K::ALTER_EXTENSION => "extension",
        K::CREATE_FUNCTION
        | K::CREATE_PROCEDURE
        | K::DROP_FUNCTION
        | K::DROP_PROCEDURE
        | K::ALTER_FUNCTION
        | K::ALTER_PROCEDURE
        | K::DROP_ROUTINE
        | K::ALTER_ROUTINE
        | K::CREATE_AGGREGATE
        | K::DROP_AGGREGATE
        | K::ALTER_AGGREGATE => "function",
        K::CREATE_TRIGGER
        | K::DROP_TRIGGER
        | K::ALTER_TRIGGER
        | K::CREATE_EVENT_TRIGGER
        | K::DROP_EVENT_TRIGGER
        | K::ALTER_EVENT_TRIGGER => "trigger",
        K::CREATE_SEQUENCE | K::ALTER_SEQUENCE | K::DROP_SEQUENCE => "sequence",
        K::REINDEX | K::ANALYZE | K::VACUUM | K::CLUSTER | K::REFRESH | K::CHECKPOINT => {
            "maintenance"
        }
        K::CREATE_SCHEMA | K::ALTER_SCHEMA => "schema",
        K::CREATE_ROLE
        | K::ALTER_ROLE
        | K::DROP_ROLE
        | K::CREATE_USER
        | K::ALTER_USER
        | K::DROP_USER
        | K::CREATE_GROUP
        | K::ALTER_GROUP
        | K::DROP_GROUP => "role",
        K::CREATE_POLICY | K::ALTER_POLICY | K::DROP_POLICY => "row security policy",
        K::CREATE_STATISTICS | K::ALTER_STATISTICS | K::DROP_STATISTICS => "statistics",
        K::CREATE_COLLATION | K::ALTER_COLLATION | K::DROP_COLLATION => "collation",
        K::CREATE_DOMAIN => "domain",
        K::CREATE_CAST
        | K::DROP_CAST
        | K::CREATE_OPERATOR
        | K::DROP_OPERATOR
        | K::ALTER_OPERATOR
        | K::CREATE_OPERATOR_CLASS
        | K::CREATE_OPERATOR_FAMILY => "operator",
        K::CREATE_TEXT_SEARCH_CONFIGURATION
        | K::CREATE_TEXT_SEARCH_DICTIONARY
        | K::ALTER_TEXT_SEARCH_CONFIGURATION
        | K::ALTER_TEXT_SEARCH_DICTIONARY => "text search",
        K::CREATE_PUBLICATION
        | K::ALTER_PUBLICATION
        | K::DROP_PUBLICATION
        | K::CREATE_SUBSCRIPTION
        | K::ALTER_SUBSCRIPTION
        | K::DROP_SUBSCRIPTION => "replication",
        K::NOTIFY
        | K::LISTEN
        | K::UNLISTEN
        | K::LOAD
        | K::EXPLAIN
        | K::PREPARE
        | K::DEALLOCATE
        | K::DECLARE
        | K::FETCH
        | K::MOVE
        | K::CLOSE => "session command",
        K::SECURITY_LABEL | K::CREATE_RULE | K::DROP_RULE | K::ALTER_RULE => "rule or label",
        K::CREATE_TABLESPACE | K::ALTER_TABLESPACE | K::DROP_TABLESPACE => "tablespace",
        K::CREATE_SERVER
        | K::CREATE_FOREIGN_DATA_WRAPPER
        | K::CREATE_USER_MAPPING
        | K::IMPORT_FOREIGN_SCHEMA
        | K::CREATE_FOREIGN_TABLE
        | K::DROP_FOREIGN_TABLE
        | K::ALTER_FOREIGN_TABLE => "foreign data",
        K::CREATE_DATABASE | K::ALTER_DATABASE | K::DROP_DATABASE | K::ALTER_SYSTEM => {
            "database setting"
        }
        _ => return None,
    })
}
