/**
 * The second example notebook, run as a user runs it: sign in, call the API with BearerAuth and
 * with auth_headers(), show who is signed in, log out, and see the API refuse the revoked token.
 */
import { confirmAsDevUser } from '../support/platform';
import { cellByIndex, expect, openNotebook, outputText, runCell, test, waitForKernelIdle } from './fixtures';

const NOTEBOOK = 'any-http-client.ipynb';

test('any-http-client.ipynb: requests, auth_headers, logout revokes', async ({ page, platformURL }) => {
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });

  const opened = page.context().waitForEvent('page');
  await runCell(page, 1, { key: 'Shift+Enter', noWait: true });
  const tab = await opened;
  await tab.waitForLoadState('domcontentloaded');
  expect(tab.url()).toContain(`${platformURL}oidc/device`);
  await confirmAsDevUser(tab);
  const signIn = cellByIndex(page, 1);
  await expect(signIn.locator('.jp-OutputArea-output')).toContainText('Signed in as Dev User', { timeout: 30_000 });
  await expect(signIn.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/);

  await runCell(page, 2);
  expect(await outputText(cellByIndex(page, 2))).toContain('HTTP 200: Dev User');
  await runCell(page, 3);
  expect(await outputText(cellByIndex(page, 3))).toMatch(/HTTP 200: \d+ project\(s\)/);
  await runCell(page, 4);
  expect(await outputText(cellByIndex(page, 4))).toMatch(/Signed in as Dev User until \d\d:\d\d/);
  await runCell(page, 5);
  const revoked = await outputText(cellByIndex(page, 5));
  expect(revoked).toContain('Dev User is signed out: the provider revoked the tokens, and they are forgotten here.');
  expect(revoked).toContain('HTTP 401 with the revoked token');
  expect(revoked).not.toMatch(/Error|Traceback/);
});
