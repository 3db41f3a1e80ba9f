import type { Door } from '../door.js';
import { parseOpenAIRequest } from './parse.js';
import { openAIErrorBody, openAIStreamEncoder, renderOpenAIResponse } from './render.js';

export const openAIDoor: Door = {
  name: 'openai',
  parse: parseOpenAIRequest,
  render: renderOpenAIResponse,
  encoder: openAIStreamEncoder,
  errorBody: openAIErrorBody,
};
