//! The schema a history builds, and the replay that builds it.
//!
//! Every table, column and constraint gets an id when it first appears, kept through renames,
//! so a comparison can tell "renamed" from "dropped and something else added". The replay also
//! records an [`Event`] per effect, naming the change that caused it; comparisons use those to
//! attribute each breakage.

use crate::model::{
    ColumnDef, ConstraintDef, ConstraintKind, IndexDef, ObjectKind, Op, QualifiedName, SqlType,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Which change caused something: the migration's position in the replay order and the
/// change's index in that migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ChangeRef {
    pub migration: usize,
    pub change: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    #[serde(skip)]
    pub id: u32,
    #[serde(flatten)]
    pub def: ColumnDef,
    /// Known only because a later statement referred to it (the table predates the history).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The name it has now (the database's pick for an unnamed one, renames applied).
    pub name: String,
    /// As declared; `def.name` is the name written in the migration, if any.
    pub def: ConstraintDef,
    /// When it (or the index it adopted) was made, in replay order: the database picks the
    /// oldest matching unique index for a foreign key.
    pub seq: u32,
    /// A foreign key: the `seq` of the referenced table's key it relies on, when known.
    pub key: Option<u32>,
}

impl Serialize for Constraint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // One `name` key: the current one, not also the declared one from `def`.
        #[derive(Serialize)]
        struct Flat<'a> {
            name: &'a str,
            #[serde(flatten)]
            def: ConstraintDef,
        }
        Flat {
            name: &self.name,
            def: ConstraintDef {
                name: None,
                ..self.def.clone()
            },
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
    /// The columns its `WHERE` mentions.
    #[serde(skip)]
    pub predicate_columns: Vec<String>,
    /// When it was made, in replay order (see [`Constraint::seq`]).
    #[serde(skip)]
    pub seq: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    #[serde(skip)]
    pub id: u32,
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    /// Created before the history rollsafe sees: only referenced columns are known.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.def.name == name)
    }
    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.def.name == name)
    }
    pub fn column_by_id(&self, id: u32) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    /// Tables and views its query reads.
    #[serde(skip)]
    pub depends_on: Vec<QualifiedName>,
    /// Column names its query mentions (`*`: all of them).
    #[serde(skip)]
    pub columns: Vec<String>,
}

impl View {
    fn new(name: QualifiedName, materialized: bool) -> Self {
        View {
            name,
            materialized,
            depends_on: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Whether dropping `columns` of `table` (all of it: `None`) takes this view with it.
    fn uses(&self, table: &QualifiedName, columns: Option<&[String]>) -> bool {
        self.depends_on.contains(table)
            && columns.is_none_or(|cols| self.columns.iter().any(|c| c == "*" || cols.contains(c)))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumType {
    pub name: QualifiedName,
    pub values: Vec<String>,
    /// Created before the history: values other than the listed ones may exist.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

/// What the replay did, attributed to the change that did it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: ChangeRef,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    TableCreated {
        table: u32,
    },
    TableDropped {
        table: u32,
        name: QualifiedName,
    },
    TableRenamed {
        table: u32,
        from: QualifiedName,
        to: QualifiedName,
    },
    ColumnAdded {
        table: u32,
        column: u32,
    },
    ColumnDropped {
        table: u32,
        column: u32,
        name: String,
    },
    ColumnRenamed {
        table: u32,
        column: u32,
        from: String,
        to: String,
    },
    ColumnTypeChanged {
        column: u32,
        from: SqlType,
        to: SqlType,
    },
    NotNullSet {
        column: u32,
    },
    DefaultDropped {
        column: u32,
    },
    DefaultSet {
        column: u32,
    },
    ConstraintAdded {
        table: u32,
        name: String,
    },
    /// A constraint or index renamed (`ALTER TABLE … RENAME CONSTRAINT`, `ALTER INDEX … RENAME`).
    ConstraintRenamed {
        table: u32,
        from: String,
        to: String,
    },
    IndexCreated {
        table: u32,
        name: String,
    },
    ViewDropped {
        name: QualifiedName,
    },
    ViewRenamed {
        from: QualifiedName,
        to: QualifiedName,
    },
    EnumValueRenamed {
        name: QualifiedName,
        from: String,
        to: String,
    },
    TypeDropped {
        name: QualifiedName,
    },
}

/// The schema at one point of a history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    pub tables: BTreeMap<QualifiedName, Table>,
    pub views: BTreeMap<QualifiedName, View>,
    pub types: BTreeMap<QualifiedName, EnumType>,
    #[serde(skip)]
    next_id: u32,
    /// When set, objects assumed to predate the history are recorded here as they are made up.
    #[serde(skip)]
    seeds: Option<Vec<Seed>>,
}

/// An object the replay had to assume existed before the history (a baseline, or a database
/// created by other means).
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    Table { id: u32, name: QualifiedName },
    Column { table: u32, column: String },
    EnumValue { name: QualifiedName, value: String },
}

/// The names one migration refers to, so a comparison can snapshot only those objects.
#[derive(Debug, Default)]
pub struct Touched {
    tables: BTreeSet<QualifiedName>,
    views: BTreeSet<QualifiedName>,
    types: BTreeSet<QualifiedName>,
}

/// The longest identifier PostgreSQL keeps, in bytes (NAMEDATALEN - 1).
const MAX_IDENTIFIER: usize = 63;

fn clip(s: &str, mut len: usize) -> &str {
    len = len.min(s.len());
    while !s.is_char_boundary(len) {
        len -= 1;
    }
    &s[..len]
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of `name1` and
/// `name2` a byte at a time until it fits in 63 bytes (the label is never cut).
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let available = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's `ChooseIndexNameAddition`: column names joined by `_`, no more once 63 bytes
/// are reached.
fn name_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip(c, MAX_IDENTIFIER));
        if out.len() >= MAX_IDENTIFIER {
            break;
        }
    }
    out
}

/// What PostgreSQL names an index column after (`FigureColname`): a column is its name, a
/// function call the function's name (`lower(email)` → `lower`), a cast what it casts, and
/// any other expression `expr`.
fn index_column_label(col: &str) -> String {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    // A column, stored as the database folded it.
    if plain(col) {
        return col.to_string();
    }
    let mut text = col.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim();
    }
    // `"Name"` or `"Name"::type`: the quoted column.
    if let Some(rest) = text.strip_prefix('"')
        && let Some(end) = rest.find('"')
        && (rest[end + 1..].trim().is_empty() || rest[end + 1..].trim_start().starts_with("::"))
    {
        return rest[..end].to_string();
    }
    let ident_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .unwrap_or(text.len());
    let ident = &text[..ident_end];
    let rest = text[ident_end..].trim_start();
    if ident.is_empty() {
        return "expr".to_string();
    }
    let last = ident.rsplit('.').next().unwrap_or(ident).to_lowercase();
    if rest.is_empty() || rest.starts_with("::") || rest.starts_with('(') {
        // A column (possibly cast) or a function call.
        return last;
    }
    if last == "case" {
        return last;
    }
    "expr".to_string()
}

/// The name PostgreSQL gives an unnamed constraint or index, before it checks what is taken.
pub fn default_constraint_name(table: &str, columns: &[String], label: &str) -> String {
    if label == "pkey" || columns.is_empty() {
        make_object_name(table, None, label)
    } else {
        make_object_name(table, Some(&name_addition(columns)), label)
    }
}

/// With a CREATE TABLE's constraints, PostgreSQL keeps one index for a primary key and unique
/// constraints over the same columns (`UNIQUE (a, b), PRIMARY KEY (a, b)`): the primary key,
/// taking the unique constraint's name when it has none itself.
fn merge_index_constraints(constraints: &[ConstraintDef]) -> Vec<ConstraintDef> {
    let is_index =
        |c: &ConstraintDef| matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique);
    let pk = constraints
        .iter()
        .position(|c| c.kind == ConstraintKind::PrimaryKey);
    let mut kept: Vec<ConstraintDef> = pk.map(|i| constraints[i].clone()).into_iter().collect();
    for (i, c) in constraints.iter().enumerate() {
        if Some(i) == pk {
            continue;
        }
        if is_index(c)
            && let Some(prior) = kept
                .iter_mut()
                .find(|k| is_index(k) && k.columns == c.columns)
        {
            if prior.name.is_none() {
                prior.name = c.name.clone();
            }
            continue;
        }
        kept.push(c.clone());
    }
    kept
}

impl Schema {
    pub fn new() -> Self {
        Schema::default()
    }

    fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn table_by_id(&self, id: u32) -> Option<&Table> {
        self.tables.values().find(|t| t.id == id)
    }

    /// The table owning index `name`.
    fn index_owner(&self, name: &QualifiedName) -> Option<QualifiedName> {
        self.tables
            .values()
            .find(|t| {
                t.name.schema == name.schema
                    && (t.indexes.iter().any(|i| i.name == name.name)
                        || t.constraints.iter().any(|c| c.name == name.name))
            })
            .map(|t| t.name.clone())
    }

    /// Records which objects `ops` touch, resolving indexes to their tables.
    pub fn touched_by<'a>(&self, ops: impl Iterator<Item = &'a Op>) -> Touched {
        let mut t = Touched::default();
        for op in ops {
            match op {
                Op::CreateTable { table, .. }
                | Op::DropTable { table, .. }
                | Op::AddColumn { table, .. }
                | Op::DropColumn { table, .. }
                | Op::RenameColumn { table, .. }
                | Op::AlterColumnType { table, .. }
                | Op::SetNotNull { table, .. }
                | Op::DropNotNull { table, .. }
                | Op::SetDefault { table, .. }
                | Op::DropDefault { table, .. }
                | Op::AddConstraint { table, .. }
                | Op::DropConstraint { table, .. }
                | Op::RenameConstraint { table, .. }
                | Op::ValidateConstraint { table, .. } => {
                    t.tables.insert(table.clone());
                }
                Op::RenameTable { table, to } => {
                    t.tables.insert(table.clone());
                    t.tables.insert(table.sibling(to.clone()));
                    t.views.insert(table.clone());
                }
                Op::CreateIndex(ix) => {
                    t.tables.insert(ix.table.clone());
                }
                Op::DropIndex { name, .. } | Op::RenameIndex { name, .. } => {
                    if let Some(owner) = self.index_owner(name) {
                        t.tables.insert(owner);
                    }
                }
                Op::CreateView { name, .. } | Op::DropView { name, .. } => {
                    t.views.insert(name.clone());
                }
                Op::RenameView { name, to, .. } => {
                    t.views.insert(name.clone());
                    t.views.insert(name.sibling(to.clone()));
                }
                Op::CreateEnum { name, .. }
                | Op::AddEnumValue { name, .. }
                | Op::RenameEnumValue { name, .. }
                | Op::DropType { name, .. } => {
                    t.types.insert(name.clone());
                }
                Op::SetSchema { name, .. } => {
                    t.tables.insert(name.clone());
                    t.views.insert(name.clone());
                    t.types.insert(name.clone());
                }
                Op::DataChange { .. } | Op::Neutral { .. } | Op::Opaque { .. } => {}
            }
        }
        // Views over what the migration touches may go with it (CASCADE).
        let mut frontier: Vec<QualifiedName> =
            t.tables.iter().chain(t.views.iter()).cloned().collect();
        while let Some(n) = frontier.pop() {
            for v in self.views.values().filter(|v| v.depends_on.contains(&n)) {
                if t.views.insert(v.name.clone()) {
                    frontier.push(v.name.clone());
                }
            }
        }
        t
    }

    /// A copy holding only the touched objects (the "before" of one migration).
    pub fn subset(&self, touched: &Touched) -> Schema {
        Schema {
            tables: touched
                .tables
                .iter()
                .filter_map(|n| self.tables.get(n).map(|t| (n.clone(), t.clone())))
                .collect(),
            views: touched
                .views
                .iter()
                .filter_map(|n| self.views.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            types: touched
                .types
                .iter()
                .filter_map(|n| self.types.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            next_id: self.next_id,
            seeds: None,
        }
    }

    /// Before a migration's "before" snapshot is taken, adds the objects it refers to that the
    /// history never created, so that the snapshot holds them. Works out which by replaying the
    /// migration on a scratch copy, since earlier statements of the migration may create or
    /// rename what later ones refer to.
    pub fn prepare<'a>(&mut self, ops: impl Iterator<Item = &'a Op> + Clone) {
        let touched = self.touched_by(ops.clone());
        let mut scratch = self.subset(&touched);
        scratch.seeds = Some(Vec::new());
        let mut events = Vec::new();
        let at = ChangeRef {
            migration: 0,
            change: 0,
        };
        for op in ops {
            scratch.apply(op, at, &mut events);
        }
        let seeds = scratch.seeds.take().unwrap_or_default();
        self.plant(seeds);
    }

    /// Adds seeds found by a scratch replay (see [`Schema::prepare`]).
    pub fn plant(&mut self, seeds: Vec<Seed>) {
        let mut made: BTreeMap<u32, QualifiedName> = BTreeMap::new();
        for seed in seeds {
            match seed {
                Seed::Table { id, name } => {
                    self.ensure_table(&name);
                    made.insert(id, name);
                }
                Seed::Column { table, column } => {
                    let name = made
                        .get(&table)
                        .cloned()
                        .or_else(|| self.table_by_id(table).map(|t| t.name.clone()));
                    if let Some(name) = name {
                        self.ensure_column(&name, &column);
                    }
                }
                Seed::EnumValue { name, value } => {
                    let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                        name,
                        values: Vec::new(),
                        partial: true,
                    });
                    if !e.values.contains(&value) {
                        e.values.push(value);
                    }
                }
            }
        }
    }

    /// Starts recording seeds on this schema (for a whole-history pass whose seeds start a
    /// second, exact pass).
    pub fn record_seeds(&mut self) {
        self.seeds = Some(Vec::new());
    }

    pub fn take_seeds(&mut self) -> Vec<Seed> {
        self.seeds.take().unwrap_or_default()
    }

    /// Makes sure a table referenced by `op` exists, creating a partial one when the history
    /// never created it (it predates the migrations rollsafe sees).
    fn ensure_table(&mut self, name: &QualifiedName) -> &mut Table {
        if !self.tables.contains_key(name) {
            let id = self.fresh_id();
            if let Some(seeds) = &mut self.seeds {
                seeds.push(Seed::Table {
                    id,
                    name: name.clone(),
                });
            }
        }
        let next = self.next_id;
        self.tables.entry(name.clone()).or_insert_with(|| Table {
            id: next,
            name: name.clone(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            partial: true,
        })
    }

    /// Makes sure `table.column` exists; a column assumed on a partial table has an unknown
    /// type and is taken as nullable.
    fn ensure_column(&mut self, table: &QualifiedName, column: &str) -> Option<u32> {
        let id = self.fresh_id();
        let t = self.ensure_table(table);
        if let Some(c) = t.column(column) {
            return Some(c.id);
        }
        if !t.partial {
            return None;
        }
        let tid = t.id;
        t.columns.push(Column {
            id,
            def: ColumnDef::new(column, SqlType::unknown()),
            assumed: true,
        });
        if let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::Column {
                table: tid,
                column: column.to_string(),
            });
        }
        Some(id)
    }

    /// Adds a constraint to `table` (which exists) and returns its name; a primary key's
    /// columns become NOT NULL (`NotNullSet` for each that was nullable).
    fn add_constraint(
        &mut self,
        table: &QualifiedName,
        mut def: ConstraintDef,
        emit: &mut impl FnMut(EventKind),
    ) -> String {
        let key = self.resolve_references(&mut def, None);
        let mut seq = self.fresh_id();
        let Some(t) = self.tables.get_mut(table) else {
            return def.name.unwrap_or_default();
        };
        if let Some(ix_name) = &def.using_index {
            // The constraint takes over the index, its columns and, unless it names itself,
            // its name (and the foreign keys that relied on it).
            if let Some(pos) = t.indexes.iter().position(|i| &i.name == ix_name) {
                let ix = t.indexes.remove(pos);
                def.columns = ix.columns;
                seq = ix.seq;
                if def.name.is_none() {
                    def.name = Some(ix.name);
                }
            }
        }
        if def.kind == ConstraintKind::PrimaryKey {
            for c in t
                .columns
                .iter_mut()
                .filter(|c| def.columns.contains(&c.def.name))
            {
                if c.def.nullable {
                    c.def.nullable = false;
                    emit(EventKind::NotNullSet { column: c.id });
                }
            }
        }
        let name = match self.tables.get(table) {
            Some(t) => self.constraint_name(t, &def),
            None => def.name.clone().unwrap_or_default(),
        };
        if let Some(t) = self.tables.get_mut(table) {
            t.constraints.push(Constraint {
                name: name.clone(),
                def,
                seq,
                key,
            });
        }
        name
    }

    /// Whether `name` is taken in `table`'s schema: by a relation (table, view, index, or the
    /// index of a primary key, unique or exclusion constraint) when `relations`, by a
    /// constraint when `constraints`. `table` itself counts even when it is not in the schema
    /// yet (a CREATE TABLE in progress). A scan without allocating: it runs for every unnamed
    /// constraint and index.
    fn name_taken(
        &self,
        table: &Table,
        name: &str,
        (relations, constraints): (bool, bool),
    ) -> bool {
        let schema = &table.name.schema;
        let in_table = |t: &Table| {
            (relations && (t.name.name == name || t.indexes.iter().any(|i| i.name == name)))
                || t.constraints.iter().any(|c| {
                    c.name == name && (constraints || (relations && c.def.kind.is_uniqueness()))
                })
        };
        in_table(table)
            || self
                .tables
                .values()
                .filter(|t| &t.name.schema == schema && t.id != table.id)
                .any(in_table)
            || (relations
                && self
                    .views
                    .keys()
                    .any(|v| &v.schema == schema && v.name == name))
    }

    /// PostgreSQL's `ChooseRelationName` (an index avoids relation names; an index-owning
    /// constraint relation and constraint names) and `ChooseConstraintName` (constraint names):
    /// the default name, or with `1`, `2`… after the label until it is free in the schema.
    fn choose_name(
        &self,
        table: &Table,
        columns: &[String],
        label: &str,
        avoid: (bool, bool),
    ) -> String {
        let mut candidate = default_constraint_name(&table.name.name, columns, label);
        let mut pass = 0;
        while self.name_taken(table, &candidate, avoid) {
            pass += 1;
            candidate =
                default_constraint_name(&table.name.name, columns, &format!("{label}{pass}"));
        }
        candidate
    }

    /// The name constraint `con` of `table` gets: its own, or the one PostgreSQL picks.
    fn constraint_name(&self, table: &Table, con: &ConstraintDef) -> String {
        if let Some(n) = &con.name {
            return n.clone();
        }
        let (label, columns) = constraint_label(con);
        self.choose_name(table, columns, label, (con.kind.is_uniqueness(), true))
    }

    /// Which key of the referenced table a foreign key relies on (its `seq`), as the database
    /// picks it: the primary key when the foreign key names no columns (whose columns are then
    /// recorded, so that dropping them drops the foreign key), else the oldest primary key,
    /// unique constraint or plain unique index over exactly those columns. `also` is a table
    /// not in the schema yet (a CREATE TABLE referencing itself).
    fn resolve_references(&self, def: &mut ConstraintDef, also: Option<&Table>) -> Option<u32> {
        if def.kind != ConstraintKind::ForeignKey {
            return None;
        }
        let target = def.references.as_ref()?;
        let referenced = also
            .filter(|t| &t.name == target)
            .or_else(|| self.tables.get(target))?;
        if def.ref_columns.is_empty() {
            let pk = referenced
                .constraints
                .iter()
                .find(|c| c.def.kind == ConstraintKind::PrimaryKey)?;
            def.ref_columns = pk.def.columns.clone();
            return Some(pk.seq);
        }
        let mut wanted = def.ref_columns.clone();
        wanted.sort();
        let same = |cols: &[String]| {
            let mut c = cols.to_vec();
            c.sort();
            c == wanted
        };
        referenced
            .constraints
            .iter()
            .filter(|c| {
                matches!(
                    c.def.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ) && same(&c.def.columns)
            })
            .map(|c| c.seq)
            .chain(
                referenced
                    .indexes
                    .iter()
                    .filter(|i| i.unique && !i.partial && same(&i.columns))
                    .map(|i| i.seq),
            )
            .min()
    }

    /// Removes what the database drops along with `table` (or only its `columns`): foreign
    /// keys of any table that reference them, and views reading them, and views on those.
    fn drop_dependents(
        &mut self,
        table: &QualifiedName,
        columns: Option<&[String]>,
        emit: &mut impl FnMut(EventKind),
    ) {
        for t in self.tables.values_mut() {
            t.constraints.retain(|c| {
                !(c.def.kind == ConstraintKind::ForeignKey
                    && c.def.references.as_ref() == Some(table)
                    && columns
                        .is_none_or(|cols| c.def.ref_columns.iter().any(|r| cols.contains(r))))
            });
        }
        let views: Vec<QualifiedName> = self
            .views
            .values()
            .filter(|v| v.uses(table, columns))
            .map(|v| v.name.clone())
            .collect();
        self.drop_views(views, emit);
    }

    /// Drops views and, as the database does with CASCADE, the views that read them.
    fn drop_views(&mut self, mut names: Vec<QualifiedName>, emit: &mut impl FnMut(EventKind)) {
        while let Some(name) = names.pop() {
            if self.views.remove(&name).is_some() {
                emit(EventKind::ViewDropped { name: name.clone() });
                names.extend(
                    self.views
                        .values()
                        .filter(|v| v.depends_on.contains(&name))
                        .map(|v| v.name.clone()),
                );
            }
        }
    }

    /// Foreign keys that rely on the key `seq` (over `columns`) of `table` go when it does.
    /// One whose key is not known (the referenced table predates the history) goes when no
    /// other unique key over the same columns remains.
    fn drop_keys_using(&mut self, table: &QualifiedName, seq: u32, columns: &[String]) {
        let mut key = columns.to_vec();
        key.sort();
        let same = |cols: &[String]| {
            let mut c = cols.to_vec();
            c.sort();
            c == key
        };
        let still_unique = self.tables.get(table).is_some_and(|t| {
            t.constraints
                .iter()
                .any(|c| c.def.kind.is_uniqueness() && same(&c.def.columns))
                || t.indexes
                    .iter()
                    .any(|i| i.unique && !i.partial && same(&i.columns))
        });
        for t in self.tables.values_mut() {
            t.constraints.retain(|c| {
                let relies = c.def.kind == ConstraintKind::ForeignKey
                    && c.def.references.as_ref() == Some(table)
                    && match c.key {
                        Some(k) => k == seq,
                        None => !still_unique && same(&c.def.ref_columns),
                    };
                !relies
            });
        }
    }

    /// After a table is renamed or moved, what refers to it by name follows: foreign keys of
    /// other tables and views' dependencies (the database tracks them by object, not name).
    fn rename_references(&mut self, from: &QualifiedName, to: &QualifiedName) {
        for t in self.tables.values_mut() {
            for c in &mut t.constraints {
                if c.def.references.as_ref() == Some(from) {
                    c.def.references = Some(to.clone());
                }
            }
        }
        for v in self.views.values_mut() {
            for d in &mut v.depends_on {
                if d == from {
                    *d = to.clone();
                }
            }
        }
    }

    /// Applies one operation, appending what it did to `events`.
    pub fn apply(&mut self, op: &Op, at: ChangeRef, events: &mut Vec<Event>) {
        let mut emit = |kind: EventKind| events.push(Event { at, kind });
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists,
            } => {
                if *if_not_exists && self.tables.contains_key(table) {
                    return;
                }
                let id = self.fresh_id();
                let mut t = Table {
                    id,
                    name: table.clone(),
                    columns: Vec::new(),
                    constraints: Vec::new(),
                    indexes: Vec::new(),
                    partial: false,
                };
                for c in columns {
                    let cid = self.fresh_id();
                    t.columns.push(Column {
                        id: cid,
                        def: c.clone(),
                        assumed: false,
                    });
                }
                for con in merge_index_constraints(constraints) {
                    let mut def = con;
                    let key = self.resolve_references(&mut def, Some(&t));
                    let seq = self.fresh_id();
                    if def.kind == ConstraintKind::PrimaryKey {
                        for c in t
                            .columns
                            .iter_mut()
                            .filter(|c| def.columns.contains(&c.def.name))
                        {
                            c.def.nullable = false;
                        }
                    }
                    let name = self.constraint_name(&t, &def);
                    t.constraints.push(Constraint {
                        name,
                        def,
                        seq,
                        key,
                    });
                }
                self.tables.insert(table.clone(), t);
                emit(EventKind::TableCreated { table: id });
            }
            Op::DropTable { table, if_exists } => {
                if *if_exists && !self.tables.contains_key(table) {
                    return;
                }
                if let Some(t) = self.tables.remove(table) {
                    emit(EventKind::TableDropped {
                        table: t.id,
                        name: t.name,
                    });
                    self.drop_dependents(table, None, &mut emit);
                } else if self.views.contains_key(table) {
                    self.drop_views(vec![table.clone()], &mut emit);
                } else {
                    // Predates the history: it existed, now it does not.
                    let id = self.ensure_table(table).id;
                    self.tables.remove(table);
                    emit(EventKind::TableDropped {
                        table: id,
                        name: table.clone(),
                    });
                }
            }
            Op::RenameTable { table, to } => {
                let new_name = table.sibling(to.clone());
                if self.views.contains_key(table) && !self.tables.contains_key(table) {
                    if let Some(mut v) = self.views.remove(table) {
                        v.name = new_name.clone();
                        self.views.insert(new_name.clone(), v);
                        self.rename_references(table, &new_name);
                        emit(EventKind::ViewRenamed {
                            from: table.clone(),
                            to: new_name,
                        });
                    }
                    return;
                }
                self.ensure_table(table);
                if let Some(mut t) = self.tables.remove(table) {
                    t.name = new_name.clone();
                    let id = t.id;
                    self.tables.insert(new_name.clone(), t);
                    self.rename_references(table, &new_name);
                    emit(EventKind::TableRenamed {
                        table: id,
                        from: table.clone(),
                        to: new_name,
                    });
                }
            }
            Op::AddColumn {
                table,
                column,
                constraints,
                if_not_exists,
            } => {
                let _ = if_not_exists;
                let cid = self.fresh_id();
                let t = self.ensure_table(table);
                if t.column(&column.name).is_some() {
                    // IF NOT EXISTS skips it; without, the database refuses the statement.
                    return;
                }
                let mut def = column.clone();
                if constraints
                    .iter()
                    .any(|c| c.kind == ConstraintKind::PrimaryKey)
                {
                    def.nullable = false;
                }
                t.columns.push(Column {
                    id: cid,
                    def,
                    assumed: false,
                });
                let tid = t.id;
                emit(EventKind::ColumnAdded {
                    table: tid,
                    column: cid,
                });
                for con in constraints {
                    let name = self.add_constraint(table, con.clone(), &mut emit);
                    emit(EventKind::ConstraintAdded { table: tid, name });
                }
            }
            Op::DropColumn {
                table,
                column,
                if_exists,
            } => {
                if *if_exists
                    && self
                        .tables
                        .get(table)
                        .is_none_or(|t| !t.partial && t.column(column).is_none())
                {
                    return;
                }
                self.ensure_column(table, column);
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                let Some(pos) = t.columns.iter().position(|c| &c.def.name == column) else {
                    return;
                };
                let c = t.columns.remove(pos);
                // The database drops (CASCADE) the generated columns computed from the column,
                // and the indexes and constraints that use any of them.
                let mut gone = vec![(c.id, column.clone())];
                t.columns.retain(|g| {
                    let computed = g.def.generated_from.contains(column);
                    if computed {
                        gone.push((g.id, g.def.name.clone()));
                    }
                    !computed
                });
                let names: Vec<String> = gone.iter().map(|(_, n)| n.clone()).collect();
                let mentions = |x: &String| {
                    names.contains(x)
                        || crate::frontend::check_columns(x)
                            .iter()
                            .any(|c| names.contains(c))
                };
                t.indexes.retain(|i| {
                    !(i.columns.iter().any(mentions) || i.predicate_columns.iter().any(mentions))
                });
                t.constraints
                    .retain(|k| !k.def.columns.iter().any(|x| names.contains(x)));
                let tid = t.id;
                for (id, name) in gone {
                    emit(EventKind::ColumnDropped {
                        table: tid,
                        column: id,
                        name,
                    });
                }
                self.drop_dependents(table, Some(&names), &mut emit);
            }
            Op::RenameColumn { table, column, to } => {
                self.ensure_column(table, column);
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                let tid = t.id;
                let Some(c) = t.column_mut(column) else {
                    return;
                };
                c.def.name = to.clone();
                let cid = c.id;
                // Expressions (a check's, an index's) follow the rename, as the database's do.
                let rename = |x: &mut String| {
                    if x == column {
                        *x = to.clone();
                    } else if !x
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    {
                        *x = crate::frontend::rename_in_expression(x, column, to);
                    }
                };
                for k in &mut t.constraints {
                    k.def.columns.iter_mut().for_each(rename);
                    if let Some(e) = &mut k.def.expression {
                        *e = crate::frontend::rename_in_expression(e, column, to);
                    }
                }
                for i in &mut t.indexes {
                    i.columns
                        .iter_mut()
                        .chain(i.predicate_columns.iter_mut())
                        .for_each(rename);
                }
                for g in &mut t.columns {
                    for x in &mut g.def.generated_from {
                        if x == column {
                            *x = to.clone();
                        }
                    }
                }
                // Foreign keys and views that use the column follow the rename.
                for other in self.tables.values_mut() {
                    for k in &mut other.constraints {
                        if k.def.references.as_ref() == Some(table) {
                            for x in &mut k.def.ref_columns {
                                if x == column {
                                    *x = to.clone();
                                }
                            }
                        }
                    }
                }
                for v in self
                    .views
                    .values_mut()
                    .filter(|v| v.depends_on.contains(table))
                {
                    for x in &mut v.columns {
                        if x == column {
                            *x = to.clone();
                        }
                    }
                }
                emit(EventKind::ColumnRenamed {
                    table: tid,
                    column: cid,
                    from: column.clone(),
                    to: to.clone(),
                });
            }
            Op::AlterColumnType {
                table, column, to, ..
            } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                {
                    let from = std::mem::replace(&mut c.def.ty, to.clone());
                    emit(EventKind::ColumnTypeChanged {
                        column: c.id,
                        from,
                        to: to.clone(),
                    });
                }
            }
            Op::SetNotNull { table, column } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                    && c.def.nullable
                {
                    c.def.nullable = false;
                    emit(EventKind::NotNullSet { column: c.id });
                }
            }
            Op::DropNotNull { table, column } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                {
                    c.def.nullable = true;
                }
            }
            Op::SetDefault {
                table,
                column,
                default,
            } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                {
                    c.def.default = Some(default.clone());
                    emit(EventKind::DefaultSet { column: c.id });
                }
            }
            Op::DropDefault { table, column } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                    && (c.def.default.take().is_some() || c.def.generated)
                {
                    c.def.generated = false;
                    emit(EventKind::DefaultDropped { column: c.id });
                }
            }
            Op::AddConstraint { table, constraint } => {
                let tid = self.ensure_table(table).id;
                let name = self.add_constraint(table, constraint.clone(), &mut emit);
                emit(EventKind::ConstraintAdded { table: tid, name });
            }
            Op::DropConstraint {
                table,
                name,
                if_exists: _,
            } => {
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                let dropped: Vec<Constraint> = t
                    .constraints
                    .iter()
                    .filter(|c| &c.name == name)
                    .cloned()
                    .collect();
                t.constraints.retain(|c| &c.name != name);
                for c in dropped.iter().filter(|c| c.def.kind.is_uniqueness()) {
                    self.drop_keys_using(table, c.seq, &c.def.columns);
                }
            }
            Op::RenameConstraint { table, name, to } => {
                if let Some(t) = self.tables.get_mut(table) {
                    let tid = t.id;
                    let mut renamed = false;
                    for c in t.constraints.iter_mut().filter(|c| &c.name == name) {
                        c.name = to.clone();
                        renamed = true;
                    }
                    if renamed {
                        emit(EventKind::ConstraintRenamed {
                            table: tid,
                            from: name.clone(),
                            to: to.clone(),
                        });
                    }
                }
            }
            Op::ValidateConstraint { table, name } => {
                if let Some(t) = self.tables.get_mut(table) {
                    for c in t.constraints.iter_mut().filter(|c| &c.name == name) {
                        c.def.not_valid = false;
                    }
                }
            }
            Op::CreateIndex(ix) => self.create_index(ix, &mut emit),
            Op::DropIndex { name, .. } => {
                if let Some(owner) = self.index_owner(name)
                    && let Some(t) = self.tables.get_mut(&owner)
                {
                    let unique: Vec<(u32, Vec<String>)> = t
                        .indexes
                        .iter()
                        .filter(|i| i.name == name.name && i.unique)
                        .map(|i| (i.seq, i.columns.clone()))
                        .collect();
                    t.indexes.retain(|i| i.name != name.name);
                    for (seq, cols) in unique {
                        self.drop_keys_using(&owner, seq, &cols);
                    }
                }
            }
            Op::RenameIndex { name, to } => {
                if let Some(owner) = self.index_owner(name)
                    && let Some(t) = self.tables.get_mut(&owner)
                {
                    for i in t.indexes.iter_mut().filter(|i| i.name == name.name) {
                        i.name = to.clone();
                    }
                    for c in t.constraints.iter_mut().filter(|c| c.name == name.name) {
                        c.name = to.clone();
                    }
                    emit(EventKind::ConstraintRenamed {
                        table: t.id,
                        from: name.name.clone(),
                        to: to.clone(),
                    });
                }
            }
            Op::CreateView {
                name,
                materialized,
                depends_on,
                columns,
                ..
            } => {
                let mut view = View::new(name.clone(), *materialized);
                view.depends_on = depends_on.clone();
                view.columns = columns.clone();
                self.views.insert(name.clone(), view);
            }
            Op::DropView {
                name, if_exists, ..
            } => {
                if self.views.contains_key(name) {
                    self.drop_views(vec![name.clone()], &mut emit);
                } else if !*if_exists {
                    // Predates the history: it existed, now it does not.
                    emit(EventKind::ViewDropped { name: name.clone() });
                }
            }
            Op::RenameView { name, to, .. } => {
                let new_name = name.sibling(to.clone());
                let v = self
                    .views
                    .remove(name)
                    .unwrap_or_else(|| View::new(name.clone(), false));
                self.views.insert(
                    new_name.clone(),
                    View {
                        name: new_name.clone(),
                        ..v
                    },
                );
                self.rename_references(name, &new_name);
                emit(EventKind::ViewRenamed {
                    from: name.clone(),
                    to: new_name,
                });
            }
            Op::CreateEnum { name, values } => {
                self.types.insert(
                    name.clone(),
                    EnumType {
                        name: name.clone(),
                        values: values.clone(),
                        partial: false,
                    },
                );
            }
            Op::AddEnumValue { name, value } => {
                let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                    name: name.clone(),
                    values: Vec::new(),
                    partial: true,
                });
                if !e.values.contains(value) {
                    e.values.push(value.clone());
                }
            }
            Op::RenameEnumValue { name, from, to } => {
                let known = self
                    .types
                    .get(name)
                    .is_some_and(|e| e.values.contains(from));
                if !known && let Some(seeds) = &mut self.seeds {
                    seeds.push(Seed::EnumValue {
                        name: name.clone(),
                        value: from.clone(),
                    });
                }
                let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                    name: name.clone(),
                    values: Vec::new(),
                    partial: true,
                });
                if !e.values.contains(from) {
                    e.values.push(from.clone());
                }
                for v in e.values.iter_mut().filter(|v| *v == from) {
                    *v = to.clone();
                }
                emit(EventKind::EnumValueRenamed {
                    name: name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
            Op::DropType { name, .. } => {
                if self.types.remove(name).is_some() {
                    emit(EventKind::TypeDropped { name: name.clone() });
                }
            }
            Op::SetSchema { kind, name, schema } => {
                let new_name = QualifiedName::with_schema(Some(schema.clone()), name.name.clone());
                if new_name == *name {
                    return;
                }
                match kind {
                    ObjectKind::Table if !self.views.contains_key(name) => {
                        self.ensure_table(name);
                        if let Some(mut t) = self.tables.remove(name) {
                            t.name = new_name.clone();
                            let id = t.id;
                            self.tables.insert(new_name.clone(), t);
                            self.rename_references(name, &new_name);
                            emit(EventKind::TableRenamed {
                                table: id,
                                from: name.clone(),
                                to: new_name,
                            });
                        }
                    }
                    ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => {
                        let v = self.views.remove(name).unwrap_or_else(|| {
                            View::new(name.clone(), *kind == ObjectKind::MaterializedView)
                        });
                        self.views.insert(
                            new_name.clone(),
                            View {
                                name: new_name.clone(),
                                ..v
                            },
                        );
                        self.rename_references(name, &new_name);
                        emit(EventKind::ViewRenamed {
                            from: name.clone(),
                            to: new_name,
                        });
                    }
                    ObjectKind::Type => {
                        if let Some(mut e) = self.types.remove(name) {
                            e.name = new_name.clone();
                            self.types.insert(new_name, e);
                        }
                    }
                    _ => {}
                }
            }
            Op::DataChange { .. } | Op::Neutral { .. } | Op::Opaque { .. } => {}
        }
    }

    fn create_index(&mut self, ix: &IndexDef, emit: &mut impl FnMut(EventKind)) {
        self.ensure_table(&ix.table);
        let Some(t) = self.tables.get(&ix.table) else {
            return;
        };
        let name = match &ix.name {
            // Taken: IF NOT EXISTS skips it, and without the database refuses the statement.
            // (Looked for in the table only: a name taken elsewhere in the schema is an error
            // the database reports, and a scan of the schema per named index is too dear.)
            Some(n)
                if t.indexes.iter().any(|i| &i.name == n)
                    || t.constraints.iter().any(|c| &c.name == n) =>
            {
                return;
            }
            Some(n) => n.clone(),
            None => {
                let cols: Vec<String> = ix.columns.iter().map(|c| index_column_label(c)).collect();
                self.choose_name(t, &cols, "idx", (true, false))
            }
        };
        let seq = self.fresh_id();
        let Some(t) = self.tables.get_mut(&ix.table) else {
            return;
        };
        t.indexes.push(Index {
            name: name.clone(),
            columns: ix.columns.clone(),
            unique: ix.unique,
            partial: ix.partial,
            predicate_columns: ix.predicate_columns.clone(),
            seq,
        });
        let tid = t.id;
        emit(EventKind::IndexCreated { table: tid, name });
    }
}

/// How PostgreSQL labels an unnamed constraint of `kind`, and the columns it names it after.
fn constraint_label(con: &ConstraintDef) -> (&'static str, &[String]) {
    match con.kind {
        ConstraintKind::PrimaryKey => ("pkey", &[]),
        ConstraintKind::Unique => ("key", &con.columns),
        // Named after the first column the expression mentions.
        ConstraintKind::Check => ("check", con.columns.get(..1).unwrap_or(&[])),
        ConstraintKind::ForeignKey => ("fkey", &con.columns),
        ConstraintKind::Exclusion => ("excl", &con.columns),
    }
}
