//! Fory's standard row format on the engine (see [`crate::row`]).

use crate::engine::{ForyJit, TypeHandle};
use crate::Error;
use foryjit_interp::Catalog;
use foryjit_row::RowCodec;
use foryjit_schema::Registry;
use foryjit_wire::Value;
use std::sync::Arc;

/// A catalog snapshot seen as its registry.
struct CatalogRegistry(Arc<Catalog>);

impl AsRef<Registry> for CatalogRegistry {
    fn as_ref(&self) -> &Registry {
        self.0.registry()
    }
}

impl ForyJit {
    /// `value` (a struct of a registered message) as one standard row (see [`crate::row`]).
    ///
    /// ```
    /// use foryjit::ForyJit;
    /// let fory = ForyJit::default();
    /// let p = fory.load_idl("package d; message P [id=1] { int64 x = 1; string s = 2; }")?
    ///     .get("d.P").unwrap();
    /// let value = fory.from_json(p, &serde_json::json!({"x": 5, "s": "hi"}))?;
    /// let row = fory.to_row(&value)?;
    /// assert_eq!(row.len(), 8 + 2 * 8 + 8); // bitmap, two slots, "hi" padded to 8
    /// let codec = fory.row_codec();
    /// let view = codec.view(p.index(), &row)?;
    /// assert_eq!(view.get_str_by_name("s")?, Some("hi"));
    /// assert_eq!(fory.from_row(p, &row)?, value);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_row(&self, value: &Value) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.to_row_into(value, &mut out)?;
        Ok(out)
    }

    /// Writes `value` as one row into `out`, replacing its contents and reusing its capacity
    /// (left empty on error).
    pub fn to_row_into(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
        let cat = self.snapshot();
        Ok(foryjit_row::write_row(cat.registry(), value, out)?)
    }

    /// Decodes a row of message `ty` into a struct value.
    pub fn from_row(&self, ty: TypeHandle, bytes: &[u8]) -> Result<Value, Error> {
        let cat = self.snapshot();
        Ok(foryjit_row::from_row(cat.registry(), ty.index(), bytes)?)
    }

    /// A row codec over the types registered now (no copy of the schema): keep it to take
    /// [`RowView`](crate::row::RowView)s of rows with `codec.view(ty.index(), bytes)`. Types
    /// registered later need a new codec.
    pub fn row_codec(&self) -> RowCodec {
        RowCodec::from_shared(Arc::new(CatalogRegistry(arc_swap::Guard::into_inner(
            self.snapshot(),
        ))))
    }
}
