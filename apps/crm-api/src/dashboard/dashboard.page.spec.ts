import { Script } from 'node:vm';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../auth/public.decorator';
import { DashboardController } from './dashboard.controller';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard.page';

// The browser behaviour is tested in Chromium (test/e2e/dashboard.e2e-spec.ts); these
// catch what a string of code hides from tsc.
describe('the dashboard page', () => {
  it('has a script that parses', () => {
    expect(() => new Script(DASHBOARD_JS, { filename: 'dashboard.js' })).not.toThrow();
  });

  it('finds in the HTML every element its script looks up by id', () => {
    const used = new Set([...DASHBOARD_JS.matchAll(/\$\('([\w-]+)'\)/g)].map((m) => m[1]));
    const defined = new Set([...DASHBOARD_HTML.matchAll(/\sid="([\w-]+)"/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((id) => !defined.has(id))).toEqual([]);
    // The filter selects are looked up by name: 'filter-' + kind.
    for (const kind of ['lead', 'opportunity', 'user', 'type']) expect(defined).toContain(`filter-${kind}`);
  });

  it('never turns text into markup, and has no inline code for the policy to refuse', () => {
    expect(DASHBOARD_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(DASHBOARD_HTML).not.toMatch(/<script>(?!<\/script>)|\son\w+=|<style/);
  });

  it('is served without a token', () => {
    expect(new Reflector().get(IS_PUBLIC, DashboardController)).toBe(true);
    const controller = new DashboardController();
    expect(controller.page()).toBe(DASHBOARD_HTML);
    expect(controller.script()).toBe(DASHBOARD_JS);
  });
});
