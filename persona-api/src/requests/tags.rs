//! The tag bodies' constructors: `Tag` and `TagSet` build the tag bodies of every product
//! that tags.

use super::{Tag, TagSet};

impl Tag {
    /// A tag by its name; Persona creates it on first use.
    pub fn named(name: impl Into<String>) -> Tag {
        Tag::new().tag_name(name)
    }

    /// A tag by its id (`tag_...`).
    pub fn with_id(id: impl Into<String>) -> Tag {
        Tag::new().tag_id(id)
    }
}

impl TagSet {
    /// Exactly these tags, by name.
    pub fn named(names: impl IntoIterator<Item = impl Into<String>>) -> TagSet {
        TagSet::new().tag_name(names)
    }
}
