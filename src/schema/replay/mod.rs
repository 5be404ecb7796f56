//! The replay: one operation applied to the schema, one handler per operation, grouped by the
//! kind of object they change.

use super::{ChangeRef, Event, EventKind, Schema};
use crate::model::Op;

mod column;
mod constraint;
mod enum_type;
mod function;
mod index;
mod sequence;
mod table;
mod view;

impl Schema {
    /// Applies one operation, appending what it did to `events`.
    pub fn apply(&mut self, op: &Op, at: ChangeRef, events: &mut Vec<Event>) {
        let emit = &mut |kind: EventKind| events.push(Event { at, kind });
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists,
            } => self.create_table(table, columns, constraints, *if_not_exists, emit),
            Op::DropTable { table, if_exists } => self.drop_table(table, *if_exists, emit),
            Op::RenameTable { table, to } => self.rename_table(table, to, emit),
            Op::SetSchema { kind, name, schema } => self.set_schema(*kind, name, schema, emit),
            Op::AddColumn {
                table,
                column,
                constraints,
                if_not_exists: _,
            } => self.add_column(table, column, constraints, emit),
            Op::DropColumn {
                table,
                column,
                if_exists,
            } => self.drop_column(table, column, *if_exists, emit),
            Op::RenameColumn { table, column, to } => self.rename_column(table, column, to, emit),
            Op::AlterColumnType {
                table, column, to, ..
            } => self.alter_column_type(table, column, to, emit),
            Op::SetNotNull { table, column } => self.set_not_null(table, column, emit),
            Op::DropNotNull { table, column } => self.drop_not_null(table, column, emit),
            Op::SetDefault {
                table,
                column,
                default,
            } => self.set_default(table, column, default, emit),
            Op::DropDefault { table, column } => self.drop_default(table, column, emit),
            Op::AddConstraint { table, constraint } => self.add_constraint(table, constraint, emit),
            Op::DropConstraint {
                table,
                name,
                if_exists: _,
            } => self.drop_constraint(table, name, emit),
            Op::RenameConstraint { table, name, to } => {
                self.rename_constraint(table, name, to, emit)
            }
            Op::ValidateConstraint { table, name } => self.validate_constraint(table, name, emit),
            Op::DropIndex { name, .. } => self.drop_index(name, emit),
            Op::RenameIndex { name, to } => self.rename_index(name, to, emit),
            Op::CreateView {
                name,
                materialized,
                depends_on,
                columns,
                ..
            } => self.create_view(name, *materialized, depends_on, columns, emit),
            Op::DropView {
                name, materialized, ..
            } => self.drop_view(name, *materialized, emit),
            Op::RenameView { name, to, .. } => self.rename_view(name, to, emit),
            Op::CreateEnum { name, values } => self.create_enum(name, values, emit),
            Op::AddEnumValue { name, value } => self.add_enum_value(name, value, emit),
            Op::RenameEnumValue { name, from, to } => self.rename_enum_value(name, from, to, emit),
            Op::DropType { name, .. } => self.drop_type(name, emit),
            Op::RenameType { name, to } => self.rename_type(name, name.sibling(to.clone()), emit),
            Op::CreateSequence { name, .. } => self.create_sequence(name, emit),
            Op::DropSequence { name, .. } => self.drop_sequence(name, emit),
            Op::RenameSequence { name, to } => {
                self.rename_sequence(name, name.sibling(to.clone()), emit)
            }
            Op::CreateFunction {
                name,
                signature,
                trigger,
            } => self.create_function(name, signature, *trigger, emit),
            Op::DropFunction {
                name,
                args,
                procedure,
                ..
            } => self.drop_function(name, args.as_deref(), *procedure, emit),
            Op::RenameFunction {
                name,
                args,
                procedure,
                to,
            } => self.rename_function(name, args.as_deref(), *procedure, to, emit),
            Op::CreateIndex(ix) => self.create_index(ix, emit),
            Op::DataChange { .. }
            | Op::Neutral { .. }
            | Op::Setting { .. }
            | Op::Maintenance { .. }
            | Op::Opaque { .. } => {}
        }
    }
}
