import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePythonLiteral, PythonLiteralError } from '../../src/sources/presets/python-literal.js';

test('Python literals: strings of both quote styles with escapes, numbers, lists, tuples, constants', () => {
  assert.deepEqual(parsePythonLiteral(`['a man\\'s "hat"', "it's", 'tab\\there', 'caf\\xe9 \\u00e9 \\U0001F600', '\\101\\n']`), [
    `a man's "hat"`, "it's", 'tab\there', 'café é 😀', 'A\n',
  ]);
  assert.deepEqual(parsePythonLiteral(`[[ '0:00:00.000', '0:00:03.970'], ('1:02:03.5', "x")]`), [['0:00:00.000', '0:00:03.970'], ['1:02:03.5', 'x']]);
  assert.deepEqual(parsePythonLiteral('[0.45, -1, +2.5e3, 1_000, .5, None, True, False, (), (7), (7,), []]'), [0.45, -1, 2500, 1000, 0.5, null, true, false, [], 7, [7], []]);
  assert.deepEqual(parsePythonLiteral(`[u'uni', r'raw\\d', '\\q kept']`), ['uni', 'raw\\d', '\\q kept']);
  assert.equal(parsePythonLiteral('  "trailing space ok"  '), 'trailing space ok');
});

test('anything that is not a literal is a parse error, never evaluated', () => {
  const rejected = [
    `__import__('os').system('touch /tmp/pwned')`,
    `[__import__('os')]`,
    `['a'] + ['b']`,
    `open('/etc/passwd')`,
    `[x for x in range(3)]`,
    `'a'.upper()`,
    `{'a': 1}`,
    `[1, 2`,
    `'unterminated`,
    `['a' 'b']`,
    `[1 2]`,
    `nan`,
    `0x1F`,
    `'\\N{BULLET}'`,
    `'bad \\x4'`,
    '',
    '['.repeat(200) + ']'.repeat(200),
  ];
  for (const text of rejected) assert.throws(() => parsePythonLiteral(text), PythonLiteralError, text);
  assert.throws(() => parsePythonLiteral(`[__import__('os')]`), /name "__import__" is not a literal at position 1/);
});
