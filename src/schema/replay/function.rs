use crate::model::{QualifiedName, Signature, SqlType};
use crate::schema::{EventKind, Function, Schema, Seed};

impl Schema {
    /// `CREATE [OR REPLACE]`: replaces the routine of the same signature, else adds an
    /// overload.
    pub(in crate::schema) fn create_function(
        &mut self,
        name: &QualifiedName,
        signature: &Signature,
        trigger: bool,
        _emit: &mut impl FnMut(EventKind),
    ) {
        let overloads = self.functions.entry(name.clone()).or_default();
        overloads.retain(|f| f.signature.args != signature.args);
        overloads.push(Function {
            name: name.clone(),
            signature: signature.clone(),
            trigger,
            assumed: false,
        });
    }

    /// The overloads of `name` a statement naming `args` (all of them: `None`) means; one the
    /// history never created predates it and is assumed.
    fn ensure_function(
        &mut self,
        name: &QualifiedName,
        args: Option<&[SqlType]>,
        procedure: bool,
    ) -> Vec<Function> {
        let matches = |f: &Function| args.is_none_or(|a| f.signature.args == a);
        let known: Vec<Function> = self
            .functions
            .get(name)
            .map(|fs| fs.iter().filter(|f| matches(f)).cloned().collect())
            .unwrap_or_default();
        if !known.is_empty() {
            return known;
        }
        let signature = Signature {
            args: args.map(<[SqlType]>::to_vec).unwrap_or_default(),
            procedure,
        };
        if let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::Function {
                name: name.clone(),
                signature: signature.clone(),
            });
        }
        let f = Function {
            name: name.clone(),
            signature,
            trigger: false,
            assumed: true,
        };
        self.functions
            .entry(name.clone())
            .or_default()
            .push(f.clone());
        vec![f]
    }

    pub(in crate::schema) fn drop_function(
        &mut self,
        name: &QualifiedName,
        args: Option<&[SqlType]>,
        procedure: bool,
        emit: &mut impl FnMut(EventKind),
    ) {
        for f in self.ensure_function(name, args, procedure) {
            self.remove_function(&f);
            emit(EventKind::FunctionDropped {
                name: name.clone(),
                function: f.display(),
            });
        }
    }

    pub(in crate::schema) fn rename_function(
        &mut self,
        name: &QualifiedName,
        args: Option<&[SqlType]>,
        procedure: bool,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let new_name = name.sibling(to.to_string());
        for f in self.ensure_function(name, args, procedure) {
            self.remove_function(&f);
            let display = f.display();
            let overloads = self.functions.entry(new_name.clone()).or_default();
            overloads.retain(|g| g.signature.args != f.signature.args);
            overloads.push(Function {
                name: new_name.clone(),
                ..f
            });
            emit(EventKind::FunctionRenamed {
                name: name.clone(),
                function: display,
                to: new_name.clone(),
            });
        }
    }

    fn remove_function(&mut self, f: &Function) {
        if let Some(overloads) = self.functions.get_mut(&f.name) {
            overloads.retain(|g| g.signature.args != f.signature.args);
            if overloads.is_empty() {
                self.functions.remove(&f.name);
            }
        }
    }
}
