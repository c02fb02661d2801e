"""The translation queue: content translated field by field, each translation reviewed by a
second person before the public sees it (pb.i18n holds the language machinery below it)."""
