import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { UsersRepository } from '../users/users.repository';
import { Task } from './task.entity';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

describe('TasksService (repositories mocked)', () => {
  const ctx = requestCtx('sales_rep');
  const build = async () => {
    const tasks = fakeRecords<Task>('task');
    const users = { names: jest.fn(async (ids: string[]) => new Map(ids.map((id) => [id, 'N']))) };
    const built = await serviceWith(TasksService, [
      { provide: TasksRepository, useValue: tasks },
      { provide: UsersRepository, useValue: users },
    ]);
    return { tasks, ...built };
  };
  const pending = (tasks: ReturnType<typeof fakeRecords<Task>>) =>
    tasks.add({
      action: 'Call',
      target: 'Ada',
      type: 'call',
      notes: null,
      dueDate: null,
      status: 'pending',
      assignedToId: null,
      leadId: null,
      contactId: null,
      opportunityId: null,
    }) as Task;

  it('create: a pending task emits nothing; one created completed is a completion', async () => {
    const { service, emitted } = await build();
    await service.create({ action: 'Call', target: 'Ada', type: 'call', status: 'pending' }, ctx);
    expect(emitted.events).toEqual([]);
    const done = await service.create({ action: 'Mail', target: 'Bo', type: 'email', status: 'completed', notes: 'sent' }, ctx);
    expect(emitted.of('task.completed')[0].data).toMatchObject({ task_id: done.id, task_type: 'email', notes: 'sent' });
  });

  it('markCompleted: locked with verb complete; notes replace; a second time is a 409', async () => {
    const { service, tasks, emitted } = await build();
    const task = pending(tasks);
    await service.markCompleted(task.id, { notes: 'done' }, ctx);
    expect(tasks.changeLocked).toHaveBeenCalledWith(task.id, expect.objectContaining({ write: 'complete' }), expect.any(Function));
    expect(task).toMatchObject({ status: 'completed', notes: 'done' });
    expect(emitted.types()).toEqual(['task.completed']);
    await expect(service.markCompleted(task.id, {}, ctx)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('update: moving to completed and a new assignee emit; remove emits task.deleted', async () => {
    const { service, tasks, emitted } = await build();
    const task = pending(tasks);
    await service.update(task.id, { status: 'completed', assigned_to: ctx.caller.id }, ctx);
    expect(emitted.types()).toEqual(['task.completed', 'task.reassigned']);
    await service.remove(task.id, ctx);
    expect(emitted.types()).toEqual(['task.completed', 'task.reassigned', 'task.deleted']);
  });
});
