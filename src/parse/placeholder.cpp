namespace sceval::parse { void placeholder_parse() {} }
