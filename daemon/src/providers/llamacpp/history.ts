import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import type { CanonicalMessage } from '../../gateway/canonical.js';
import { InvalidRequestError } from '../../errors.js';

/**
 * Translates canonical messages into node-llama-cpp's chat history, which the model's own chat template
 * (the chat wrapper) then renders.
 *
 * Tool calls become `functionCall` items of the model turn, and a tool result in the following user turn
 * becomes that item's `result`, so the wrapper renders call and result in the model's own function syntax.
 * A result whose call is not in the history is rendered as text in a user turn. When the conversation ends
 * with tool results, the history ends with the model turn that made the calls, and generation continues
 * that turn (as node-llama-cpp's own chat session does after running functions).
 */
export function toChatHistory(system: string | undefined, messages: CanonicalMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  if (system) history.push({ type: 'system', text: system });
  // Calls awaiting their result, by tool call id.
  const pending = new Map<string, ChatModelFunctionCall>();

  for (const message of messages) {
    if (message.role === 'assistant') {
      const response: ChatModelResponse['response'] = [];
      let firstCall = true;
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text) response.push(part.text);
        } else if (part.type === 'tool_call') {
          const call: ChatModelFunctionCall = {
            type: 'functionCall',
            name: part.name,
            params: parseJsonOr(part.arguments, part.arguments),
            result: null,
            startsNewChunk: firstCall,
          };
          firstCall = false;
          pending.set(part.id, call);
          response.push(call);
        } else {
          throw unsupportedPart(part.type, 'assistant');
        }
      }
      history.push({ type: 'model', response });
      continue;
    }

    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text') {
        texts.push(part.text);
      } else if (part.type === 'tool_result') {
        const call = pending.get(part.toolCallId);
        if (call) {
          pending.delete(part.toolCallId);
          call.result = part.isError ? `Error: ${part.content}` : parseJsonOr(part.content, part.content);
        } else {
          texts.push(`Result of tool call ${part.toolCallId}${part.isError ? ' (error)' : ''}:\n${part.content}`);
        }
      } else {
        throw unsupportedPart(part.type, 'user');
      }
    }
    if (texts.length > 0) history.push({ type: 'user', text: texts.join('\n\n') });
  }

  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

function parseJsonOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function unsupportedPart(type: string, role: string): InvalidRequestError {
  return new InvalidRequestError(
    type === 'image'
      ? 'The local model does not accept images; send text only or route the request to a vision model.'
      : `A ${role} message cannot contain a "${type}" part.`,
    'unsupported_content',
  );
}
