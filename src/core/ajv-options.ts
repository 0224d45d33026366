// One set of ajv options for the build-time compiler and the run-time fallback alike.
// useDefaults: a module's args arrive with every `default` of its schema filled in, so defaults
// live in one place (the schema a reviewer reads), never again in code.
// formats: the report schemas' timestamps (`date-time`) describe what we write from a Date; no
// input postfix-fix reads uses a format, so it is declared known rather than checked.
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true, useDefaults: true, formats: { 'date-time': true } } as const;
