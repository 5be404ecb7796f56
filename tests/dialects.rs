//! MySQL and SQLite through sqlparser: statement kinds, the splitter, the SQLite rebuild.

use rollsafe::frontend::sql::generic::parse;
use rollsafe::model::{Dialect, Op};

fn ops(sql: &str, d: Dialect) -> Vec<Op> {
    let p = parse(sql, d);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    p.statements
        .into_iter()
        .flat_map(|s| s.changes.into_iter().map(|(o, _)| o))
        .collect()
}

#[test]
fn mysql_statements() {
    let o = ops(
        "CREATE TABLE users (id bigint PRIMARY KEY AUTO_INCREMENT, email varchar(255), name varchar(50), KEY idx_email (email)) ENGINE=InnoDB;\n\
         ALTER TABLE users CHANGE COLUMN name full_name varchar(50);\n\
         ALTER TABLE users MODIFY COLUMN email varchar(255) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;\n\
         ALTER TABLE users RENAME COLUMN a TO b;\n\
         ALTER TABLE users ADD COLUMN age int AFTER name, ADD UNIQUE KEY uk_email (email);\n\
         ALTER TABLE users RENAME INDEX a TO b;\n\
         RENAME TABLE users TO people;\n\
         DROP INDEX idx_email ON people;\n",
        Dialect::Mysql,
    );
    for op in &o {
        println!("{op:?}");
    }
    assert!(matches!(&o[0], Op::CreateTable { columns, .. } if columns[0].generated));
    assert!(matches!(&o[1], Op::CreateIndex(_)));
    assert!(o.iter().any(|op| matches!(op, Op::RenameColumn { column, to, .. } if column == "name" && to == "full_name")));
    assert!(
        o.iter()
            .any(|op| matches!(op, Op::SetNotNull { column, .. } if column == "email"))
    );
    assert!(
        o.iter()
            .any(|op| matches!(op, Op::RenameIndex { to, .. } if to == "b"))
    );
    assert!(
        o.iter()
            .any(|op| matches!(op, Op::RenameTable { to, .. } if to == "people"))
    );
    assert!(o.iter().any(|op| matches!(op, Op::AddConstraint { .. })));
    assert!(o.iter().any(|op| matches!(op, Op::DropIndex { .. })));
}

#[test]
fn sqlite_statements() {
    let o = ops(
        "PRAGMA foreign_keys=OFF;\nCREATE TABLE _users_new (id INTEGER PRIMARY KEY, email TEXT, name TEXT, age INTEGER);\n\
         INSERT INTO _users_new (id, email, name) SELECT id, email, name FROM users;\nDROP TABLE users;\n\
         ALTER TABLE _users_new RENAME TO users;\nALTER TABLE users RENAME COLUMN name TO full_name;\n\
         ALTER TABLE users ADD COLUMN x TEXT;\nALTER TABLE users DROP COLUMN x;\nPRAGMA foreign_keys=ON;\n",
        Dialect::Sqlite,
    );
    assert!(matches!(&o[0], Op::Neutral { .. }));
    assert!(matches!(&o[1], Op::CreateTable { columns, .. } if columns[0].generated));
    assert!(matches!(&o[3], Op::DropTable { .. }));
    assert!(matches!(&o[4], Op::RenameTable { to, .. } if to == "users"));
    assert!(matches!(&o[5], Op::RenameColumn { .. }));
    assert!(matches!(&o[7], Op::DropColumn { .. }));
}

#[test]
fn one_bad_statement_does_not_lose_the_file() {
    let p = parse(
        "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t FROB;\nALTER TABLE t DROP COLUMN b;\n",
        Dialect::Mysql,
    );
    assert_eq!(p.issues.len(), 1);
    let all: Vec<&Op> = p
        .statements
        .iter()
        .flat_map(|s| s.changes.iter().map(|(o, _)| o))
        .collect();
    assert!(all.iter().any(|o| matches!(o, Op::DropColumn { .. })));
    // Spans come from the splitter: the second statement is on line 2.
    assert_eq!(
        p.statements[1].span.start,
        "ALTER TABLE t ADD COLUMN a int;\n".len()
    );
}

#[test]
fn mysql_binary_attribute_of_character_types() {
    let text = "ALTER TABLE identities MODIFY COLUMN identifier VARCHAR(255) BINARY NOT NULL;\nCREATE TABLE t (a CHAR(36) BINARY, b TEXT BINARY);\n";
    let p = rollsafe::frontend::sql::parse_with(
        text,
        Dialect::Mysql,
        &rollsafe::frontend::sql::Reading::default(),
    );
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let o: Vec<Op> = p
        .statements
        .into_iter()
        .flat_map(|s| s.changes.into_iter().map(|(o, _)| o))
        .collect();
    assert!(
        o.iter()
            .any(|op| matches!(op, Op::SetNotNull { column, .. } if column == "identifier")),
        "{o:?}"
    );
    assert!(matches!(&o[o.len() - 1], Op::CreateTable { columns, .. } if columns.len() == 2));
}
