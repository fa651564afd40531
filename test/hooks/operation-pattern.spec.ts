import {
  compileOperationPattern,
  compileOperationPatterns,
} from '../../lib/hooks/operation-pattern';

// Expected results are Python's fnmatch.fnmatchcase, which the reference toolkit matches with.
function matches(pattern: string, operation: string): boolean {
  return compileOperationPattern(pattern)(operation);
}

describe('compileOperationPattern (fnmatch semantics)', () => {
  it('matches the whole operation name, never a part of it', () => {
    expect(matches('command.execute.PlaceOrder', 'command.execute.PlaceOrder')).toBe(true);
    expect(matches('command.execute', 'command.execute.PlaceOrder')).toBe(false);
    expect(matches('execute.PlaceOrder', 'command.execute.PlaceOrder')).toBe(false);
    expect(matches('command.execute.PlaceOrder', 'command.execute.PlaceOrderCommand')).toBe(false);
    expect(matches('command.*.Place', 'command.execute.PlaceOrder')).toBe(false);
  });

  it('lets * match any run of characters, dots included, and the empty run', () => {
    expect(matches('event.*', 'event.dispatch.OrderCreated')).toBe(true);
    expect(matches('event.*', 'event.handler.OrderCreated.SendEmailHandler')).toBe(true);
    expect(matches('event.*', 'event.')).toBe(true);
    expect(matches('event.*', 'event')).toBe(false);
    expect(matches('event.*', 'events.dispatch.X')).toBe(false);
    expect(matches('*', '')).toBe(true);
    expect(matches('*', 'anything.at.all')).toBe(true);
    expect(matches('event.handler.*.SendEmailHandler', 'event.handler.A.B.SendEmailHandler')).toBe(
      true,
    );
    expect(matches('*Order*', 'command.execute.PlaceOrderCommand')).toBe(true);
    expect(matches('a*b*c', 'abc')).toBe(true);
    expect(matches('a*b*c', 'acb')).toBe(false);
  });

  it('matches *.commit against any prefix, as in the reference toolkit', () => {
    expect(matches('*.commit', 'uow.commit')).toBe(true);
    expect(matches('*.commit', 'uow.nested.commit')).toBe(true);
    expect(matches('*.commit', '.commit')).toBe(true);
    expect(matches('*.commit', 'commit')).toBe(false);
    expect(matches('*.commit', 'uow.commit.done')).toBe(false);
    expect(matches('*.commit', 'uow_commit')).toBe(false);
  });

  it('lets ? match exactly one character, a dot included', () => {
    expect(matches('saga.run.Order?aga', 'saga.run.OrderSaga')).toBe(true);
    expect(matches('saga?run.OrderSaga', 'saga.run.OrderSaga')).toBe(true);
    expect(matches('saga.run.OrderSaga?', 'saga.run.OrderSaga')).toBe(false);
    expect(matches('saga.run.Order??Saga', 'saga.run.OrderSaga')).toBe(false);
    expect(matches('???', 'abc')).toBe(true);
    expect(matches('???', 'ab')).toBe(false);
  });

  it('matches [seq] against one character of the set', () => {
    expect(matches('query.execute.Get[OU]', 'query.execute.GetO')).toBe(true);
    expect(matches('query.execute.Get[OU]', 'query.execute.GetU')).toBe(true);
    expect(matches('query.execute.Get[OU]', 'query.execute.GetX')).toBe(false);
    expect(matches('query.execute.Get[OU]', 'query.execute.GetOU')).toBe(false);
    expect(matches('[.]x', '.x')).toBe(true);
  });

  it('matches [!seq] against one character outside the set', () => {
    expect(matches('v[!12]', 'v3')).toBe(true);
    expect(matches('v[!12]', 'v1')).toBe(false);
    expect(matches('v[!12]', 'v2')).toBe(false);
    expect(matches('v[!12]', 'v')).toBe(false);
    expect(matches('v[!12]', 'v34')).toBe(false);
  });

  it('supports ranges such as [a-c], negated ranges and a literal - at the edges', () => {
    expect(matches('step.[a-c]', 'step.a')).toBe(true);
    expect(matches('step.[a-c]', 'step.b')).toBe(true);
    expect(matches('step.[a-c]', 'step.c')).toBe(true);
    expect(matches('step.[a-c]', 'step.d')).toBe(false);
    expect(matches('step.[a-c]', 'step.-')).toBe(false);
    expect(matches('step.[!a-c]', 'step.d')).toBe(true);
    expect(matches('step.[!a-c]', 'step.b')).toBe(false);
    expect(matches('v[0-9][0-9]', 'v42')).toBe(true);
    expect(matches('v[0-9][0-9]', 'v4x')).toBe(false);
    expect(matches('[-a]', '-')).toBe(true);
    expect(matches('[a-]', '-')).toBe(true);
    expect(matches('[a-]', 'b')).toBe(false);
  });

  it('treats ^ and ] at the start of a set as members, like fnmatch', () => {
    expect(matches('[^a]', '^')).toBe(true);
    expect(matches('[^a]', 'a')).toBe(true);
    expect(matches('[^a]', 'b')).toBe(false);
    expect(matches('[]]', ']')).toBe(true);
    expect(matches('[!]]', 'x')).toBe(true);
    expect(matches('[!]]', ']')).toBe(false);
  });

  it('never matches an empty range and matches any character with its negation, like fnmatch', () => {
    expect(() => compileOperationPattern('v[z-a]')).not.toThrow();
    expect(matches('v[z-a]', 'vz')).toBe(false);
    expect(matches('v[z-a]', 'va')).toBe(false);
    expect(matches('v[z-a]', 'v-')).toBe(false);
    expect(matches('v[!z-a]', 'vq')).toBe(true);
    expect(matches('v[!z-a]', 'v')).toBe(false);
    // Python drops the empty range and keeps the rest of the set.
    expect(matches('[z-ab]', 'b')).toBe(true);
    expect(matches('[z-ab]', 'z')).toBe(false);
    expect(matches('[a-cz-b]', 'b')).toBe(true);
  });

  it('takes a [ without its closing ] literally', () => {
    expect(matches('list[0', 'list[0')).toBe(true);
    expect(matches('list[0', 'list0')).toBe(false);
    expect(matches('a[', 'a[')).toBe(true);
    expect(matches('[!', '[!')).toBe(true);
    expect(matches('*[x', 'op[x')).toBe(true);
    expect(matches('[]', '[]')).toBe(true);
  });

  it('takes regular-expression metacharacters literally', () => {
    expect(matches('a+b', 'a+b')).toBe(true);
    expect(matches('a+b', 'aab')).toBe(false);
    expect(matches('(x)', '(x)')).toBe(true);
    expect(matches('(x)', 'x')).toBe(false);
    expect(matches('cost$', 'cost$')).toBe(true);
    expect(matches('cost$', 'cost')).toBe(false);
    expect(matches('^start', '^start')).toBe(true);
    expect(matches('^start', 'start')).toBe(false);
    expect(matches('a.b', 'axb')).toBe(false);
    expect(matches('a|b', 'a')).toBe(false);
    expect(matches('a|b', 'a|b')).toBe(true);
    expect(matches('x{2}', 'xx')).toBe(false);
    expect(matches('x{2}', 'x{2}')).toBe(true);
    expect(matches('back\\slash', 'back\\slash')).toBe(true);
    expect(matches('a/b', 'a/b')).toBe(true);
    // Metacharacters next to wildcards, so the translated (regex) path is taken too.
    expect(matches('*(x)+$', 'op(x)+$')).toBe(true);
    expect(matches('*(x)+$', 'opxx')).toBe(false);
    expect(matches('a.?', 'a.b')).toBe(true);
    expect(matches('a.?', 'axb')).toBe(false);
    expect(matches('[\\]', '\\')).toBe(true);
  });

  it('is case-sensitive', () => {
    expect(matches('command.execute.*', 'Command.execute.X')).toBe(false);
    expect(matches('command.execute.placeorder', 'command.execute.PlaceOrder')).toBe(false);
    expect(matches('command.execute.P*', 'command.execute.placeOrder')).toBe(false);
    expect(matches('[a-c]', 'B')).toBe(false);
    expect(matches('?', 'A')).toBe(true);
  });

  it('lets * and ? match line breaks in a name, as fnmatch does', () => {
    expect(matches('a*b', 'a\nb')).toBe(true);
    expect(matches('a?b', 'a\nb')).toBe(true);
  });

  it('treats an empty pattern as matching only the empty name', () => {
    expect(matches('', '')).toBe(true);
    expect(matches('', 'x')).toBe(false);
  });
});

describe('compileOperationPatterns', () => {
  it('matches when any of the patterns matches', () => {
    const match = compileOperationPatterns(['command.execute.*', 'query.execute.Get?']);
    expect(match('command.execute.PlaceOrder')).toBe(true);
    expect(match('query.execute.GetX')).toBe(true);
    expect(match('query.execute.GetXY')).toBe(false);
    expect(match('event.dispatch.OrderPlaced')).toBe(false);
  });

  it('matches nothing with no pattern', () => {
    const match = compileOperationPatterns([]);
    expect(match('command.execute.PlaceOrder')).toBe(false);
    expect(match('')).toBe(false);
  });

  it('matches everything when one of the patterns is *', () => {
    const match = compileOperationPatterns(['command.execute.X', '*']);
    expect(match('saga.error.OrderSaga')).toBe(true);
    expect(match('')).toBe(true);
  });

  it('keeps a single pattern exact', () => {
    const match = compileOperationPatterns(['message_registry.register']);
    expect(match('message_registry.register')).toBe(true);
    expect(match('message_registry.registered')).toBe(false);
  });
});
