export {
  MessageValidationError,
  type MessageValidationIssue,
  type MessageValidationResponse,
} from './message-validation.error';
export { MessageValidator } from './message.validator';
