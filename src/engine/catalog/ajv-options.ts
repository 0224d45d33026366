// One set of ajv options for the build-time compiler and the run-time fallback alike.
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;
