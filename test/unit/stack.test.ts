import { describe, expect, test } from 'vitest';
import { parseStack, missingLsms, exclusiveWinner } from '../../harness/stack.ts';
import { UserError } from '../../harness/errors.ts';

describe('parseStack', () => {
  test('a bare list is an lsm= stack', () => {
    expect(parseStack('smack,apparmor')).toEqual({ id: 'smack,apparmor', param: 'lsm', requested: ['smack', 'apparmor'], cmdline: 'lsm=smack,apparmor' });
  });
  test('lsm= and the guide\'s quoted form', () => {
    expect(parseStack('lsm="yama,loadpin,safesetid,integrity,smack,apparmor"').requested).toEqual(['yama', 'loadpin', 'safesetid', 'integrity', 'smack', 'apparmor']);
    expect(parseStack('lsm=apparmor').id).toBe('apparmor');
  });
  test('legacy security= keeps its parameter', () => {
    const s = parseStack('security=smack,apparmor');
    expect(s).toMatchObject({ id: 'security=smack,apparmor', param: 'security', cmdline: 'security=smack,apparmor' });
  });
  test('default puts nothing on the command line', () => {
    expect(parseStack('default')).toEqual({ id: 'default', param: null, requested: [], cmdline: '' });
  });
  test.each([
    ['lsm=foo,apparmor', /unknown LSM `foo`; known are capability/],
    ['smack,,apparmor', /empty LSM name/],
    ['apparmor,apparmor', /appears twice/],
    ['module=apparmor', /malformed/],
    ['', /empty/],
  ])('refuses %j', (input, message) => {
    expect(() => parseStack(input)).toThrow(UserError);
    expect(() => parseStack(input)).toThrow(message);
  });
  test('missingLsms names what did not become active', () => {
    expect(missingLsms(parseStack('selinux,apparmor'), ['lockdown', 'capability', 'selinux'])).toEqual(['apparmor']);
    expect(missingLsms(parseStack('default'), ['capability'])).toEqual([]);
  });
});

describe('exclusiveWinner', () => {
  test('names the earlier exclusive LSM that kept a later one out', () => {
    expect(exclusiveWinner(['smack', 'apparmor'], ['lockdown', 'capability', 'smack'], 'apparmor')).toBe('smack');
    expect(exclusiveWinner(['apparmor', 'smack'], ['capability', 'apparmor'], 'smack')).toBe('apparmor');
  });
  test('says nothing when the LSM is active, was not asked for, or nothing exclusive won', () => {
    expect(exclusiveWinner(['smack', 'apparmor'], ['smack', 'apparmor'], 'apparmor')).toBeUndefined();
    expect(exclusiveWinner(['apparmor'], ['apparmor'], 'smack')).toBeUndefined();
    expect(exclusiveWinner(['smack', 'apparmor'], ['capability'], 'apparmor')).toBeUndefined();
    expect(exclusiveWinner(['tomoyo', 'apparmor'], ['tomoyo'], 'apparmor')).toBeUndefined();
  });
});
