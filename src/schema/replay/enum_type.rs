use crate::model::QualifiedName;
use crate::schema::{EnumType, EventKind, Schema, Seed};

impl Schema {
    pub(in crate::schema) fn create_enum(
        &mut self,
        name: &QualifiedName,
        values: &[String],
        _emit: &mut impl FnMut(EventKind),
    ) {
        self.types.insert(
            name.clone(),
            EnumType {
                name: name.clone(),
                values: values.to_vec(),
                partial: false,
            },
        );
    }

    pub(in crate::schema) fn add_enum_value(
        &mut self,
        name: &QualifiedName,
        value: &str,
        _emit: &mut impl FnMut(EventKind),
    ) {
        let e = self
            .types
            .entry(name.clone())
            .or_insert_with(|| EnumType::assumed(name.clone()));
        if !e.values.iter().any(|v| v == value) {
            e.values.push(value.to_string());
        }
    }

    pub(in crate::schema) fn rename_enum_value(
        &mut self,
        name: &QualifiedName,
        from: &str,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let known = self
            .types
            .get(name)
            .is_some_and(|e| e.values.iter().any(|v| v == from));
        if !known && let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::EnumValue {
                name: name.clone(),
                value: from.to_string(),
            });
        }
        let e = self
            .types
            .entry(name.clone())
            .or_insert_with(|| EnumType::assumed(name.clone()));
        if !e.values.iter().any(|v| v == from) {
            e.values.push(from.to_string());
        }
        for v in e.values.iter_mut().filter(|v| *v == from) {
            *v = to.to_string();
        }
        emit(EventKind::EnumValueRenamed {
            name: name.clone(),
            from: from.to_string(),
            to: to.to_string(),
        });
    }

    pub(in crate::schema) fn drop_type(
        &mut self,
        name: &QualifiedName,
        emit: &mut impl FnMut(EventKind),
    ) {
        // A type the history never created (with `IF EXISTS` or not) predates it.
        if !self.types.contains_key(name) {
            if let Some(seeds) = &mut self.seeds {
                seeds.push(Seed::Type { name: name.clone() });
            }
            self.types
                .insert(name.clone(), EnumType::assumed(name.clone()));
        }
        if self.types.remove(name).is_some() {
            emit(EventKind::TypeDropped { name: name.clone() });
        }
    }

    /// `ALTER TYPE … RENAME TO` (and `SET SCHEMA`): the type and the columns of it, which
    /// keep it under the new name. A type the history never created predates it.
    pub(in crate::schema) fn rename_type(
        &mut self,
        name: &QualifiedName,
        new_name: QualifiedName,
        emit: &mut impl FnMut(EventKind),
    ) {
        if new_name == *name {
            return;
        }
        if !self.types.contains_key(name)
            && let Some(seeds) = &mut self.seeds
        {
            seeds.push(Seed::Type { name: name.clone() });
        }
        let e = self
            .types
            .remove(name)
            .unwrap_or_else(|| EnumType::assumed(name.clone()));
        self.types.insert(
            new_name.clone(),
            EnumType {
                name: new_name.clone(),
                ..e
            },
        );
        let (old, new) = (name.to_string(), new_name.to_string());
        for c in self
            .tables
            .values_mut()
            .flat_map(|t| t.columns.iter_mut())
            .filter(|c| c.def.ty.base == old)
        {
            c.def.ty.base = new.clone();
        }
        emit(EventKind::TypeRenamed {
            from: name.clone(),
            to: new_name,
        });
    }
}
