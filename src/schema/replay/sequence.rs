use crate::model::QualifiedName;
use crate::schema::{EventKind, Schema, Seed, Sequence};

impl Schema {
    pub(in crate::schema) fn create_sequence(
        &mut self,
        name: &QualifiedName,
        _emit: &mut impl FnMut(EventKind),
    ) {
        self.sequences.insert(
            name.clone(),
            Sequence {
                name: name.clone(),
                assumed: false,
            },
        );
    }

    /// Makes sure a sequence a statement refers to exists, assuming one the history never
    /// created predates it.
    pub(in crate::schema) fn ensure_sequence(&mut self, name: &QualifiedName) {
        if self.sequences.contains_key(name) {
            return;
        }
        if let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::Sequence { name: name.clone() });
        }
        self.sequences.insert(
            name.clone(),
            Sequence {
                name: name.clone(),
                assumed: true,
            },
        );
    }

    pub(in crate::schema) fn drop_sequence(
        &mut self,
        name: &QualifiedName,
        emit: &mut impl FnMut(EventKind),
    ) {
        // A sequence the history never created (with `IF EXISTS` or not) predates it.
        self.ensure_sequence(name);
        if self.sequences.remove(name).is_some() {
            emit(EventKind::SequenceDropped { name: name.clone() });
        }
    }

    /// `ALTER SEQUENCE … RENAME TO` and `SET SCHEMA`.
    pub(in crate::schema) fn rename_sequence(
        &mut self,
        name: &QualifiedName,
        new_name: QualifiedName,
        emit: &mut impl FnMut(EventKind),
    ) {
        if new_name == *name {
            return;
        }
        self.ensure_sequence(name);
        if let Some(s) = self.sequences.remove(name) {
            self.sequences.insert(
                new_name.clone(),
                Sequence {
                    name: new_name.clone(),
                    ..s
                },
            );
            emit(EventKind::SequenceRenamed {
                from: name.clone(),
                to: new_name,
            });
        }
    }
}
