use crate::model::QualifiedName;
use crate::schema::{EventKind, Schema, Seed, View};

impl Schema {
    pub(in crate::schema) fn create_view(
        &mut self,
        name: &QualifiedName,
        materialized: bool,
        depends_on: &[QualifiedName],
        columns: &[String],
        _emit: &mut impl FnMut(EventKind),
    ) {
        let mut view = View::new(name.clone(), materialized);
        view.depends_on = depends_on.to_vec();
        view.columns = columns.to_vec();
        self.views.insert(name.clone(), view);
    }

    pub(in crate::schema) fn drop_view(
        &mut self,
        name: &QualifiedName,
        materialized: bool,
        emit: &mut impl FnMut(EventKind),
    ) {
        // A view the history never created (with `IF EXISTS` or not) predates it: it existed,
        // now it does not.
        self.ensure_view(name, materialized);
        self.drop_views(vec![name.clone()], emit);
    }

    /// Makes sure a view referenced by a statement exists, assuming one the history never
    /// created predates it.
    pub(in crate::schema) fn ensure_view(&mut self, name: &QualifiedName, materialized: bool) {
        if self.views.contains_key(name) {
            return;
        }
        if let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::View {
                name: name.clone(),
                materialized,
            });
        }
        let mut v = View::new(name.clone(), materialized);
        v.assumed = true;
        self.views.insert(name.clone(), v);
    }

    pub(in crate::schema) fn rename_view(
        &mut self,
        name: &QualifiedName,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let new_name = name.sibling(to.to_string());
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

    /// Drops views and, as the database does with CASCADE, the views that read them.
    pub(in crate::schema) fn drop_views(
        &mut self,
        mut names: Vec<QualifiedName>,
        emit: &mut impl FnMut(EventKind),
    ) {
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
}
