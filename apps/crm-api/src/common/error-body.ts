/** The one error shape of the API: `{"status", "error", "message"}`. */
export interface ErrorBody {
  status: number;
  error: string;
  message: string | string[];
}

const NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(status: number, message: string | string[]): ErrorBody {
  return { status, error: NAMES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'), message };
}
