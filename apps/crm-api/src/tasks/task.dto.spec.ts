import { CreateTaskDto, MarkCompletedDto } from './task.dto';

describe('task DTOs', () => {
  it('defaults type and status, and takes the due date as an instant', () => {
    const t = CreateTaskDto.parse({ action: 'Call', target: 'John', due_date: '2026-12-01T15:00:00+01:00' });
    expect(t).toMatchObject({ type: 'other', status: 'pending' });
    expect(t.due_date).toEqual(new Date('2026-12-01T14:00:00.000Z'));
  });

  it('refuses a due date without a time zone and unknown types', () => {
    expect(CreateTaskDto.safeParse({ action: 'a', target: 'b', due_date: '2026-12-01T15:00:00' }).success).toBe(false);
    expect(CreateTaskDto.safeParse({ action: 'a', target: 'b', type: 'note' }).success).toBe(false);
  });

  it('mark_completed: the body is optional, notes only', () => {
    expect(MarkCompletedDto.parse(undefined)).toBeUndefined();
    expect(MarkCompletedDto.parse({ notes: 'done' })).toEqual({ notes: 'done' });
    expect(MarkCompletedDto.safeParse({ status: 'cancelled' }).success).toBe(false);
  });
});
