export {
  MessageValidationError,
  type MessageValidationIssue,
  type MessageValidationResponse,
} from './message-validation.error';
