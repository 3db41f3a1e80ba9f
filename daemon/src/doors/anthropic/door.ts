import type { Door } from '../door.js';
import { parseAnthropicRequest } from './parse.js';
import { anthropicErrorBody, anthropicStreamEncoder, renderAnthropicResponse } from './render.js';

export const anthropicDoor: Door = {
  name: 'anthropic',
  parse: parseAnthropicRequest,
  render: renderAnthropicResponse,
  encoder: (meta) => anthropicStreamEncoder(meta),
  errorBody: anthropicErrorBody,
};
