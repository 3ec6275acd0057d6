// The write routes of api.md as bad-input-*.e2e-spec.ts use them: a body that succeeds, and which
// fields are text, enums, money, dates and references (the bad values are built from these).
import { uniq } from '../utils';

export type Body = Record<string, unknown>;

/** A write route of api.md: how to call it with a body that succeeds, and what its fields are. */
export interface WriteRoute {
  name: string;
  method: 'POST' | 'PATCH';
  /** The path; `id` is a record of the right kind (ignored by collection routes). */
  path: (id: string) => string;
  /** The kind of record the `{id}` names (404 text), when the path has one. */
  idOf?: 'lead' | 'contact' | 'opportunity' | 'quote' | 'task';
  valid: () => Body;
  /** A field that must be present. */
  required?: string;
  /** A text field (wrong type, NUL, blank, too long); with dots for a nested one. */
  text: string;
  /** Whether blank text is refused there (required text) rather than stored as null. */
  textRequired: boolean;
  enumField?: string;
  money?: string;
  date?: { field: string; kind: 'date' | 'instant' };
  /** Reference fields: a well-formed id of no record is a 400 naming the field. */
  refs?: string[];
}

export const ROUTES: WriteRoute[] = [
  {
    name: 'POST /api/users/',
    method: 'POST',
    path: () => '/api/users/',
    valid: () => ({ email: `${uniq('u').replace(' ', '.')}@crm.test`, password: 'long enough', name: 'New Rep', role: 'sales_rep' }),
    required: 'email',
    text: 'name',
    textRequired: true,
    enumField: 'role',
  },
  {
    name: 'POST /api/api-keys/',
    method: 'POST',
    path: () => '/api/api-keys/',
    valid: () => ({ name: uniq('Bad input key'), scopes: ['read'] }),
    required: 'name',
    text: 'name',
    textRequired: true,
  },
  {
    name: 'POST /api/auth/token/',
    method: 'POST',
    path: () => '/api/auth/token/',
    valid: () => ({ email: process.env.TEST_ADMIN_EMAIL, password: process.env.TEST_ADMIN_PASSWORD }),
    required: 'password',
    text: 'email',
    textRequired: true,
  },
  {
    name: 'POST /api/leads/',
    method: 'POST',
    path: () => '/api/leads/',
    valid: () => ({ name: uniq('Lead'), email: 'lead@example.com', company: 'ACME', phone: '+1 555 0100', status: 'new' }),
    required: 'name',
    text: 'company',
    textRequired: false,
    enumField: 'status',
    refs: ['assigned_to'],
  },
  {
    name: 'PATCH /api/leads/{id}/',
    method: 'PATCH',
    path: (id) => `/api/leads/${id}/`,
    idOf: 'lead',
    valid: () => ({ company: uniq('Renamed') }),
    text: 'name',
    textRequired: true,
    enumField: 'status',
    refs: ['assigned_to'],
  },
  {
    name: 'POST /api/leads/{id}/convert/',
    method: 'POST',
    path: (id) => `/api/leads/${id}/convert/`,
    idOf: 'lead',
    valid: () => ({ opportunity: { name: uniq('Converted'), amount: '10.00', stage: 'proposal' } }),
    required: 'opportunity',
    text: 'opportunity.name',
    textRequired: true,
    enumField: 'opportunity.stage',
    money: 'opportunity.amount',
    refs: ['opportunity.owner'],
  },
  ...(['lead', 'contact', 'opportunity'] as const).map((kind): WriteRoute => ({
    name: `POST /api/${kind === 'opportunity' ? 'opportunities' : `${kind}s`}/{id}/log_interaction/`,
    method: 'POST',
    path: (id) => `/api/${kind === 'opportunity' ? 'opportunities' : `${kind}s`}/${id}/log_interaction/`,
    idOf: kind,
    valid: () => ({ type: 'call', summary: 'Talked about the renewal', timestamp: '2026-01-15T10:00:00Z' }),
    required: 'summary',
    text: 'summary',
    textRequired: true,
    enumField: 'type',
    date: { field: 'timestamp', kind: 'instant' },
  })),
  {
    name: 'POST /api/contacts/',
    method: 'POST',
    path: () => '/api/contacts/',
    valid: () => ({ name: uniq('Contact'), email: 'c@example.com', company: 'ACME' }),
    required: 'name',
    text: 'phone',
    textRequired: false,
    refs: ['lead'],
  },
  {
    name: 'PATCH /api/contacts/{id}/',
    method: 'PATCH',
    path: (id) => `/api/contacts/${id}/`,
    idOf: 'contact',
    valid: () => ({ phone: '+44 20 7946 0000' }),
    text: 'name',
    textRequired: true,
    refs: ['lead'],
  },
  {
    name: 'POST /api/opportunities/',
    method: 'POST',
    path: () => '/api/opportunities/',
    valid: () => ({ name: uniq('Deal'), amount: '1500.50', stage: 'qualification' }),
    required: 'name',
    text: 'name',
    textRequired: true,
    enumField: 'stage',
    money: 'amount',
    refs: ['owner', 'contact', 'lead'],
  },
  {
    name: 'PATCH /api/opportunities/{id}/',
    method: 'PATCH',
    path: (id) => `/api/opportunities/${id}/`,
    idOf: 'opportunity',
    valid: () => ({ amount: 99 }),
    text: 'name',
    textRequired: true,
    enumField: 'stage',
    money: 'amount',
    refs: ['owner', 'contact', 'lead'],
  },
  {
    name: 'POST /api/quotes/',
    method: 'POST',
    path: () => '/api/quotes/',
    valid: () => ({ title: uniq('Quote'), total_price: '250.00', valid_until: '2027-06-30' }),
    required: 'total_price',
    text: 'title',
    textRequired: true,
    money: 'total_price',
    date: { field: 'valid_until', kind: 'date' },
    refs: ['opportunity'],
  },
  {
    name: 'PATCH /api/quotes/{id}/',
    method: 'PATCH',
    path: (id) => `/api/quotes/${id}/`,
    idOf: 'quote',
    valid: () => ({ total_price: 300 }),
    text: 'title',
    textRequired: true,
    money: 'total_price',
    date: { field: 'valid_until', kind: 'date' },
    refs: ['opportunity'],
  },
  {
    name: 'POST /api/tasks/',
    method: 'POST',
    path: () => '/api/tasks/',
    valid: () => ({ action: 'Call', target: uniq('Buyer'), type: 'call', due_date: '2027-01-01T09:00:00+01:00' }),
    required: 'target',
    text: 'action',
    textRequired: true,
    enumField: 'type',
    date: { field: 'due_date', kind: 'instant' },
    refs: ['assigned_to', 'lead', 'contact', 'opportunity'],
  },
  {
    name: 'PATCH /api/tasks/{id}/',
    method: 'PATCH',
    path: (id) => `/api/tasks/${id}/`,
    idOf: 'task',
    valid: () => ({ notes: 'moved to Friday' }),
    text: 'notes',
    textRequired: false,
    enumField: 'status',
    date: { field: 'due_date', kind: 'instant' },
    refs: ['assigned_to', 'lead', 'contact', 'opportunity'],
  },
  {
    name: 'POST /api/tasks/{id}/mark_completed/',
    method: 'POST',
    path: (id) => `/api/tasks/${id}/mark_completed/`,
    idOf: 'task',
    valid: () => ({ notes: 'done' }),
    text: 'notes',
    textRequired: false,
  },
];
