import { LogInteractionDto } from './interaction.dto';

describe('LogInteractionDto', () => {
  it('takes a type and a summary, and an optional past timestamp', () => {
    expect(LogInteractionDto.parse({ type: 'call', summary: ' Talked ' })).toEqual({ type: 'call', summary: 'Talked' });
    expect(LogInteractionDto.parse({ type: 'note', summary: 's', timestamp: '2020-01-01T00:00:00Z' }).timestamp).toBe('2020-01-01T00:00:00Z');
  });

  it('refuses the future, a user field, and types of tasks', () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(LogInteractionDto.safeParse({ type: 'call', summary: 's', timestamp: future }).success).toBe(false);
    expect(LogInteractionDto.safeParse({ type: 'call', summary: 's', user: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01' }).success).toBe(false);
    expect(LogInteractionDto.safeParse({ type: 'follow_up', summary: 's' }).success).toBe(false);
    expect(LogInteractionDto.safeParse({ type: 'call', summary: 's', timestamp: '0001-01-01T00:00:00Z' }).success).toBe(false);
    expect(LogInteractionDto.safeParse({ type: 'call', summary: 's', timestamp: '1970-01-01T00:00:00Z' }).success).toBe(true);
    expect(LogInteractionDto.safeParse({ type: 'call', summary: '   ' }).success).toBe(false);
  });
});
