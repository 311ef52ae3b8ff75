// docs/explain.schema.json, compiled as a consumer would compile it: ajv's default draft-07, strict
// mode (a keyword ajv does not know, a `required` without its property or a type it cannot tell
// refuse to compile). explanationProblems(value) lists why a value does not fit, [] when it does.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

export const EXPLANATION_SCHEMA = JSON.parse(readFileSync(new URL('../../docs/explain.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const validate = new Ajv({ strict: true, allErrors: true }).compile(EXPLANATION_SCHEMA);

const describe = (error: ErrorObject): string => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;

export const explanationProblems = (value: unknown): string[] => (validate(value) ? [] : (validate.errors ?? []).map(describe));
